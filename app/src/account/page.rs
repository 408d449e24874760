use crate::admin::PageContext;
use crate::admin::document::{AdminDocument, Area, Moment, Outcome, WideTable};
use crate::location::room_path;
use leptos::prelude::*;

/// What the account page shows, read by the server.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    pub username: String,
    pub guest: bool,
    pub staff: bool,
    /// The reader's sessions, most recently used first (a guest's: only
    /// this one).
    pub sessions: Vec<SessionView>,
    /// The room the reader came from, to go back to.
    pub room: Option<String>,
}

/// One session, as the account page lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub id: String,
    pub created_at: String,
    pub last_seen: String,
    pub user_agent: String,
    pub current: bool,
}

/// What a `done` or `error` code in the address says, for the reader.
pub fn outcome_of(done: Option<&str>, error: Option<&str>) -> (Option<String>, Option<String>) {
    let notice = done.and_then(|done| {
        Some(match done {
            "claimed" => "Your name is protected. From now on it signs in only with your password.",
            "password" => "Password changed. Your other sessions were signed out.",
            "ended" => "That session was signed out.",
            "ended_others" => "Every other session was signed out.",
            _ => return None,
        })
    });
    let error = error.and_then(|code| {
        Some(match code {
            "weak_password" => {
                "Choose another password: at least 8 characters, not your name, and not a common one (a few unrelated words work well)."
            }
            "bad_credentials" => "The current password is wrong.",
            "taken" => "Someone protected this name (or one that looks like it) first.",
            "forbidden" => "This server does not take new accounts: ask its staff for one.",
            "rate_limited" => "Too many tries. Wait a minute and try again.",
            "invalid" => "That did not work: check what you typed.",
            "not_found" => "That session was signed out already.",
            _ => return None,
        })
    });
    (notice.map(str::to_owned), error.map(str::to_owned))
}

/// A browser's name from its `User-Agent`, for people to tell their
/// sessions apart; the whole string is on hover.
fn device(user_agent: &str) -> String {
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"]
        .iter()
        .find(|marker| user_agent.contains(*marker))
        .map(|marker| match *marker {
            "Edg/" => "Edge",
            "Firefox/" => "Firefox",
            "Chrome/" => "Chrome",
            _ => "Safari",
        });
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| user_agent.contains(marker))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) if user_agent.is_empty() => "Unknown client".to_owned(),
        (None, None) => user_agent.chars().take(40).collect(),
    }
}

/// `/account`.
#[component]
pub fn AccountPage(
    context: PageContext,
    account: AccountView,
    notice: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let AccountView {
        username,
        guest,
        staff,
        sessions,
        room,
    } = account;
    let room_field = room
        .clone()
        .map(|room| view! { <input type="hidden" name="room" value=room /> });
    let back = room.map(|room| {
        let href = room_path(&room);
        view! { <p><a href=href>{format!("← Back to #{room}")}</a></p> }
    });
    let role = match (guest, staff) {
        (true, _) => "a guest: anyone can use this name until you protect it",
        (false, true) => "a staff account",
        (false, false) => "an account protected by your password",
    };
    let others = sessions.iter().filter(|s| !s.current).count();
    let rows = sessions
        .into_iter()
        .map(|session| {
            let action = if session.current {
                view! { <span class="this-session">"This browser"</span> }.into_any()
            } else {
                let action = format!("/account/sessions/{}/end", session.id);
                view! {
                    <form method="post" action=action>
                        <button type="submit" class="link danger">"Sign out"</button>
                    </form>
                }
                .into_any()
            };
            view! {
                <tr>
                    <td title=session.user_agent.clone()>{device(&session.user_agent)}</td>
                    <td><Moment at=Some(session.created_at) /></td>
                    <td><Moment at=Some(session.last_seen) /></td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    let protect_or_password = if guest {
        view! {
            <form class="admin-form" method="post" action="/account/claim">
                {room_field}
                <fieldset>
                    <legend>"Protect this name"</legend>
                    <p class="admin-hint">
                        "Choose a password: from then on " <strong>{username.clone()}</strong>
                        " (and names that look like it) signs in only with it, and anyone else using it as a guest is signed out."
                    </p>
                    <label for="password">"New password"</label>
                    <input id="password" name="password" type="password" required minlength="8" autocomplete="new-password" />
                    <button type="submit">"Protect my name"</button>
                </fieldset>
            </form>
        }
        .into_any()
    } else {
        view! {
            <form class="admin-form" method="post" action="/account/password">
                <fieldset>
                    <legend>"Change password"</legend>
                    <label for="current">"Current password"</label>
                    <input id="current" name="current" type="password" required autocomplete="current-password" />
                    <label for="new">"New password"</label>
                    <input id="new" name="new" type="password" required minlength="8" autocomplete="new-password" />
                    <p class="admin-hint">"Your other sessions are signed out when it changes."</p>
                    <button type="submit">"Change password"</button>
                </fieldset>
            </form>
        }
        .into_any()
    };
    let sign_out_others = (others > 0).then(|| {
        view! {
            <form class="account-others" method="post" action="/account/sessions/end-others">
                <button type="submit" class="link danger">"Sign out everywhere else"</button>
            </form>
        }
    });
    view! {
        <AdminDocument context title="Your account".to_owned() area=Area::Account>
            {back}
            <Outcome notice error />
            <p>"Signed in as " <strong>{username.clone()}</strong> ", " {role} "."</p>
            {protect_or_password}
            <h2>"Your sessions"</h2>
            <WideTable label="Your sessions">
                <table class="admin-table">
                    <thead>
                        <tr>
                            <th scope="col">"Browser"</th>
                            <th scope="col">"Signed in"</th>
                            <th scope="col">"Last active"</th>
                            <th scope="col"><span class="visually-hidden">"Action"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </WideTable>
            {sign_out_others}
        </AdminDocument>
    }
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn browsers_are_named_from_their_user_agent() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(device(firefox), "Firefox on Linux");
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(device(chrome), "Chrome on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device(iphone), "Safari on iPhone");
        assert_eq!(device(""), "Unknown client");
        assert_eq!(device("chat-bot/1.0"), "chat-bot/1.0");
    }
}
