use super::PageContext;
use leptos::prelude::*;

/// Which server-rendered pages a document belongs to: the staff's, or a
/// person's own account page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Area {
    #[default]
    Admin,
    Account,
}

/// The document around an admin (or account) page: its title, the site's
/// stylesheet, the small script that makes long lists load as they scroll
/// (admin pages), and a header with who is signed in.
#[component]
pub fn AdminDocument(
    context: PageContext,
    title: String,
    #[prop(optional)] area: Area,
    children: Children,
) -> impl IntoView {
    let (home, home_label, suffix) = match area {
        Area::Admin => ("/admin/", "Chat admin", "Chat admin"),
        Area::Account => ("/", "Chat", "Chat"),
    };
    let script = (area == Area::Admin).then(|| view! { <script src="/admin.js" defer></script> });
    let show_nav = area == Area::Admin && context.staff.is_some();
    let signed_in = context.staff.map(|name| {
        view! {
            <div class="admin-me">
                <span>"Signed in as " <strong>{name}</strong></span>
                <form class="logout" method="post" action="/logout">
                    <button type="submit">"Sign out"</button>
                </form>
            </div>
        }
    });
    view! {
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <title>{format!("{title} · {suffix}")}</title>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=context.stylesheet.to_string() />
                {script}
            </head>
            <body class="admin">
                <header class="admin-header">
                    <a class="admin-home" href=home>{home_label}</a>
                    {show_nav.then(|| view! {
                        <nav class="admin-nav" aria-label="Admin">
                            <a href="/admin/">"Rooms"</a>
                            <a href="/admin/accounts/">"Accounts"</a>
                        </nav>
                    })}
                    {signed_in}
                </header>
                <main class="admin-main">
                    <h1>{title}</h1>
                    {children()}
                </main>
            </body>
        </html>
    }
}

/// A line saying what was just done, or why it was not.
#[component]
pub fn Outcome(notice: Option<String>, error: Option<String>) -> impl IntoView {
    view! {
        {notice.map(|text| view! { <p class="admin-notice" role="status">{text}</p> })}
        {error.map(|text| view! { <p class="admin-error" role="alert">{text}</p> })}
    }
}

/// A table that scrolls sideways by itself when it is wider than the
/// screen (on a phone), so the page around it keeps the screen's width; it
/// takes the focus so that the keyboard can scroll it too.
#[component]
pub fn WideTable(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-label=label tabindex="0">
            {children()}
        </div>
    }
}

/// A moment (RFC 3339) as UTC to the minute, the exact value on hover.
#[component]
pub fn Moment(at: Option<String>) -> impl IntoView {
    at.map(|iso| {
        let shown = crate::message_time::utc_to_the_minute(&iso);
        view! { <time datetime=iso.clone() title=iso>{shown}</time> }
    })
}
