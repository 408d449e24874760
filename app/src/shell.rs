use crate::chat::RoomPage;
use crate::location::{Location, Page};
use crate::login::LoginPage;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use std::sync::Arc;

/// The HTML document around the app, rendered on the server. The bundle's
/// file names carry a hash of their content (`stylesheet` is the
/// stylesheet's path; `options` name the scripts).
pub fn shell(options: LeptosOptions, stylesheet: Arc<str>) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=stylesheet.to_string() />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page the address names. The server waits for a page's data before
/// sending its HTML, so the room page reads fine with JavaScript off.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let location = Location::current();
    let page = match location.page() {
        Page::Login => EitherOf3::A(view! { <LoginPage location /> }),
        Page::Room(room) => EitherOf3::B(view! { <RoomPage room /> }),
        Page::NotFound => EitherOf3::C(view! { <NotFound /> }),
    };
    view! {
        <Title text="Chat" />
        {page}
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="page-note">
            <h1>"Not found"</h1>
            <p><a href="/">"Go to the login page"</a></p>
        </main>
    }
}
