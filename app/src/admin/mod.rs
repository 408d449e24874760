//! The staff pages under `/admin/`: rendered on the server only, plain
//! HTML forms that work without JavaScript (and are not in the browser
//! bundle). The server reads the data and checks who is asking; these
//! views only draw it.

mod accounts;
mod data;
pub(crate) mod document;
mod login;
mod overview;
mod room;

pub use accounts::{AccountSummary, AccountsPage};
pub use data::{RoomSummary, SanctionSummary};
pub use login::StaffLoginPage;
pub use overview::OverviewPage;
pub use room::RoomMessagesPage;

use leptos::prelude::*;
use std::sync::Arc;

/// What every admin page needs from the server: the stylesheet's path
/// (its name carries a hash) and who is signed in.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub stylesheet: Arc<str>,
    /// The staff member signed in, if one is.
    pub staff: Option<String>,
}

/// The whole HTML document of an admin page.
pub fn render(view: impl IntoView + 'static) -> String {
    let owner = Owner::new();
    owner.with(|| format!("<!DOCTYPE html>{}", view.into_view().to_html()))
}
