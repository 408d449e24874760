//! HTTP routes, one module per feature, merged in [`router`].

mod account;
pub(crate) mod admin;
mod assets;
mod drain;
mod health;
mod history;
mod images;
mod login;
mod media;
mod messages_api;
mod metrics;
mod origin;
mod pages;
mod push;
mod reader;
mod rooms;

pub use origin::{AllowedOrigins, check_origin};

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{any, delete, get, post};
use drain::{DrainLimit, drain_refused};
use std::time::Duration;

/// Every HTTP route except Socket.IO (a layer) and the public files (the
/// fallback).
pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit = state.chat.limits().max_upload_bytes + images::FORM_OVERHEAD;
    // A refused upload is read to its end (twice the limit at most) so the
    // client can read the refusal.
    let drain = DrainLimit {
        bytes: upload_limit.saturating_mul(2),
        time: Duration::from_secs(30),
    };
    Router::new()
        .route("/", get(pages::login).post(login::submit_form))
        .route("/api/login", post(login::api_login))
        .route("/api/register", post(account::register))
        .route("/api/account", get(account::account))
        .route("/api/account/claim", post(account::claim))
        .route("/api/account/password", post(account::change_password))
        .route(
            "/api/account/sessions",
            get(account::sessions).delete(account::end_other_sessions),
        )
        .route("/api/account/sessions/{id}", delete(account::end_session))
        .route("/api/admin/login", post(admin::sign_in::api_login))
        .route("/api/admin/rooms", get(admin::api::rooms))
        .route(
            "/api/admin/rooms/{room}/messages",
            get(admin::api::messages),
        )
        .route(
            "/api/admin/rooms/{room}/messages/{id}",
            delete(admin::api::delete_message),
        )
        .route(
            "/api/admin/sanctions",
            get(admin::api::sanctions).post(admin::api::impose_sanction),
        )
        .route(
            "/api/admin/accounts",
            get(admin::accounts::api_list).post(admin::accounts::api_create),
        )
        .route(
            "/api/admin/accounts/{name}/password",
            post(admin::accounts::api_reset),
        )
        .route(
            "/api/admin/accounts/{name}",
            delete(admin::accounts::api_delete),
        )
        .route(
            "/admin/accounts/",
            get(admin::accounts::list_page).post(admin::accounts::create_submit),
        )
        .route(
            "/admin/accounts/{name}/password",
            post(admin::accounts::reset_submit),
        )
        .route(
            "/admin/accounts/{name}/delete",
            post(admin::accounts::delete_submit),
        )
        .route("/admin", get(admin::pages::add_trailing_slash))
        .route("/admin/", get(admin::pages::overview))
        .route(
            "/admin/login",
            get(admin::pages::login_form).post(admin::pages::login_submit),
        )
        .route("/admin/sanctions", post(admin::pages::impose_sanction))
        .route("/admin/rooms/{room}/", get(admin::pages::room))
        .route(
            "/admin/rooms/{room}/messages/{id}/delete",
            post(admin::pages::delete_message),
        )
        .route("/logout", post(account::logout))
        .route("/account", get(account::pages::page))
        .route("/account/claim", post(account::pages::claim))
        .route("/account/password", post(account::pages::change_password))
        .route(
            "/account/sessions/{id}/end",
            post(account::pages::end_session),
        )
        .route(
            "/account/sessions/end-others",
            post(account::pages::end_other_sessions),
        )
        .route("/api/rooms", get(rooms::mine).post(rooms::create))
        .route("/api/rooms/directory", get(rooms::directory))
        .route("/api/rooms/{room}/members", post(rooms::add_member))
        .route("/api/rooms/{room}/membership", delete(rooms::leave))
        .route("/api/dm/{username}", get(rooms::direct))
        .route("/chat/{room}/", get(pages::room))
        .route("/chat/{room}", get(pages::add_trailing_slash))
        .route("/chat/{room}/history/", get(history::history))
        .route("/api/chat/{room}/messages/", get(messages_api::messages))
        .route(
            "/api/chat/{room}/images/",
            post(images::upload)
                .layer(DefaultBodyLimit::max(upload_limit as usize))
                .layer(middleware::from_fn_with_state(drain, drain_refused)),
        )
        .route("/api/push/config", get(push::config))
        .route(
            "/api/save-token/",
            post(push::save)
                .delete(push::remove)
                .layer(DefaultBodyLimit::max(push::BODY_LIMIT)),
        )
        .route("/media/chat_images/{file}", get(media::image))
        .route(
            "/media/private_images/{room}/{file}",
            get(media::private_image),
        )
        .route("/healthz", get(health::healthz))
        .route("/healthz/live", get(health::live))
        .route("/healthz/ready", get(health::ready))
        .route("/api/{*rest}", any(api_not_found))
        .route("/metrics", get(metrics::metrics))
        .nest_service(
            &format!("/{}", state.leptos_options.site_pkg_dir),
            assets::bundle(
                &state.leptos_options.site_root,
                &state.leptos_options.site_pkg_dir,
            ),
        )
}

/// An API path that does not exist: a JSON error, not the app's HTML page.
async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API endpoint")
}
