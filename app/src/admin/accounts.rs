use super::PageContext;
use super::document::{AdminDocument, Moment, Outcome, WideTable};
use leptos::either::Either;
use leptos::prelude::*;
use serde::Serialize;

/// An account, for the accounts list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountSummary {
    pub username: String,
    pub staff: bool,
    /// RFC 3339.
    pub created_at: String,
    /// When one of its sessions was last used (RFC 3339), if one is open.
    pub last_seen: Option<String>,
    /// Deleted with its name kept from others.
    pub retired: bool,
}

/// `/admin/accounts/`: every account, with *Reset password* and *Delete*,
/// and a form to create one. A password made here is shown once, in
/// `notice`, on the page that answers the form.
#[component]
pub fn AccountsPage(
    context: PageContext,
    accounts: Vec<AccountSummary>,
    notice: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let table = if accounts.is_empty() {
        Either::Left(view! { <p class="admin-empty">"No accounts yet."</p> })
    } else {
        let rows = accounts.into_iter().map(account_row).collect_view();
        Either::Right(view! {
            <WideTable label="Accounts">
                <table class="admin-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last seen"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </WideTable>
        })
    };
    view! {
        <AdminDocument context title="Accounts".to_owned()>
            <p><a href="/admin/">"← Rooms"</a></p>
            <Outcome notice error />
            {table}
            <form class="admin-form" method="post" action="/admin/accounts/">
                <fieldset>
                    <legend>"Create an account"</legend>
                    <label for="new-username">"Name"</label>
                    <input id="new-username" name="username" required maxlength="32" autocomplete="off" />
                    <p class="admin-hint">"A password is made for it and shown once, here: hand it over, and they change it on their account page."</p>
                    <button type="submit">"Create"</button>
                </fieldset>
            </form>
        </AdminDocument>
    }
}

fn account_row(account: AccountSummary) -> impl IntoView {
    // Names are letters, digits, `_`, `-` and `.`: a safe path.
    let base = format!("/admin/accounts/{}", account.username);
    let role = match (account.retired, account.staff) {
        (true, _) => "deleted (name kept)",
        (false, true) => "staff",
        (false, false) => "member",
    };
    let confirm = format!(
        "Delete the account {}? Their messages stay.",
        account.username
    );
    view! {
        <tr>
            <td>{account.username.clone()}</td>
            <td>{role}</td>
            <td><Moment at=Some(account.created_at) /></td>
            <td>{match account.last_seen {
                Some(at) => Either::Left(view! { <Moment at=Some(at) /> }),
                None => Either::Right("—"),
            }}</td>
            <td><div class="admin-actions">
                <form method="post" action=format!("{base}/password") data-confirm="Set a new password? They are signed out everywhere.">
                    <button type="submit" class="link">"Reset password"</button>
                </form>
                <form method="post" action=format!("{base}/delete") data-confirm=confirm>
                    <label class="inline">
                        <input type="checkbox" name="release_name" value="true" />
                        " let others use the name"
                    </label>
                    <button type="submit" class="link danger">"Delete"</button>
                </form>
            </div></td>
        </tr>
    }
}
