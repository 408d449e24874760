//! How clients reach the server: the accept loop with its timeouts and
//! connection caps, and who a request comes from when a reverse proxy
//! stands in between.

mod counted;
mod network;
mod open_files;
mod per_address;
mod serve;

pub use network::{ClientIp, Network, PublicUrlError, SiteBase, peer};
pub use open_files::raise_open_files;
pub use per_address::PerAddress;
pub use serve::{ServeLimits, serve};
