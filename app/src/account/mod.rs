//! A person's own account page, `/account`: who they are signed in as,
//! *Protect this name* for a guest, the password for an account, and the
//! sessions signed in to it, each with *Sign out*. Rendered on the server
//! only, as plain HTML forms (like the admin pages): it works without
//! JavaScript and adds nothing to the browser bundle.

mod page;

pub use page::{AccountPage, AccountView, SessionView, outcome_of};
