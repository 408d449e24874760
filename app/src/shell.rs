use crate::chat::RoomPage;
use crate::login::LoginPage;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};
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

/// The routes. The room page waits for its data before sending HTML, so it
/// reads fine with JavaScript off.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Chat" />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=LoginPage />
                <Route path=path!("/chat/:room/") view=RoomPage ssr=SsrMode::Async />
            </Routes>
        </Router>
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
