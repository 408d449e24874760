use crate::location::Location;
use crate::names::{NAME_MAX_CHARS, NameError};
use leptos::prelude::*;
use leptos_meta::Title;

/// Letters, digits, `_`, `-`, `.` (browsers compile `pattern` in Unicode-sets mode).
const NAME_PATTERN: &str = r"[\p{L}\p{N}_.\-]+";

/// `/`: a plain HTML form posted to `/`, so it works without JavaScript. A
/// refused form comes back here with the values and error codes in the query.
#[component]
pub fn LoginPage(location: Location) -> impl IntoView {
    let value = |key: &str| location.param(key).unwrap_or_default();
    let error = |key: &str, label: &str| {
        location
            .param(key)
            .and_then(|code| NameError::from_code(&code))
            .map(|e| format!("{label} {e}."))
    };
    // A refused login (too many from one address) says when to try again.
    let wait = location
        .param("retry_after")
        .and_then(|s| s.parse::<u64>().ok())
        .map(|s| format!("Too many logins from your network. Try again in {s} s."));
    // A banned name is told so, and until when.
    let banned = location
        .param("banned")
        .map(|reason| format!("You cannot sign in: {reason}."));
    // Why the password was asked for, or was wrong.
    let password_error = location
        .param("password_error")
        .and_then(|code| password_problem(&code));
    let password_invalid = password_error.is_some();
    // A session signed out elsewhere lands here.
    let ended = location.param("ended").map(
        |_| "You were signed out (from another device, or your password changed). Sign in again.",
    );

    view! {
        <Title text="Chat · Log in" />
        <main class="login">
            <h1>"Chat"</h1>
            <p class="lead">"Pick a name and a room. Anyone in the room sees your messages live. A protected name also needs its password."</p>
            <form class="login-form" method="post" action="/">
                <Field
                    name="username"
                    label="Username"
                    autocomplete="username"
                    value=value("username")
                    error=error("username_error", "Username")
                />
                <Field
                    name="room"
                    label="Room"
                    autocomplete="off"
                    value=value("room")
                    error=error("room_error", "Room name")
                />
                <label for="password">"Password " <span class="optional">"(only for a protected name)"</span></label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    aria-invalid=password_invalid.then_some("true")
                    aria-describedby="password-error"
                />
                <p class="field-error" id="password-error">{password_error}</p>
                <p class="form-error" role="alert">{wait} {banned} {ended}</p>
                <button type="submit">"Join room"</button>
            </form>
        </main>
    }
}

/// What the form says for a `password_error` code.
fn password_problem(code: &str) -> Option<&'static str> {
    Some(match code {
        "claimed" => "This name is protected: enter its password.",
        "bad_credentials" => "Wrong name or password.",
        "guests_disabled" => "This server lets in only accounts: enter your password.",
        _ => return None,
    })
}

#[component]
fn Field(
    name: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let invalid = error.is_some();
    view! {
        <label for=name>{label}</label>
        <input
            id=name
            name=name
            value=value
            required
            maxlength=NAME_MAX_CHARS
            pattern=NAME_PATTERN
            autocomplete=autocomplete
            aria-invalid=invalid.then_some("true")
            aria-describedby=error_id.clone()
        />
        <p class="field-error" id=error_id>{error}</p>
    }
}
