use super::PageContext;
use super::document::{AdminDocument, Outcome};
use leptos::prelude::*;

/// `/admin/login`: name and password, posted to `/admin/login`.
#[component]
pub fn StaffLoginPage(
    context: PageContext,
    /// The name typed last time, kept after a refusal.
    username: String,
    error: Option<String>,
) -> impl IntoView {
    view! {
        <AdminDocument context title="Staff sign-in".to_owned()>
            <form class="admin-form login-form" method="post" action="/admin/login">
                <Outcome notice=None error />
                <label for="username">"Username"</label>
                <input id="username" name="username" value=username required autocomplete="username" />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    required
                    autocomplete="current-password"
                />
                <button type="submit">"Sign in"</button>
            </form>
            <p class="admin-hint">
                "Staff accounts are made on the server with "
                <code>"server create-superuser --username NAME"</code> "."
            </p>
        </AdminDocument>
    }
}
