use crate::backends;
use crate::helpers::{TestApp, ids_of, spawn_app_with, unthrottled};
use chat_core::store::Backend;
use reqwest::header::COOKIE;
use rstest_reuse::apply;
use serde_json::{Value, json};

const ROOM_SIZE: usize = 2_345;

/// Fills `room` through the real server from two users at once; returns the
/// stored ids in room order.
async fn seed(app: &TestApp, room: &str, count: usize) -> Vec<i64> {
    let send_all = |user: &'static str, half: usize| async move {
        let socket = app.socket(&app.login(user, room).await).await;
        assert_eq!(socket.join(room).await["ok"], true);
        let mut ids = Vec::with_capacity(half);
        for i in 0..half {
            let ack = socket.send(room, &format!("{user} #{i}")).await;
            ids.push(ack["message"]["id"].as_i64().expect("stored id"));
        }
        socket.disconnect().await;
        ids
    };
    let (a, b) = tokio::join!(
        send_all("Ann", count / 2),
        send_all("Ben", count - count / 2)
    );
    let mut ids: Vec<i64> = a.into_iter().chain(b).collect();
    ids.sort();
    ids
}

struct Reader<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl Reader<'_> {
    async fn get(&self, url: &str) -> (u16, Value) {
        let response = self
            .app
            .http
            .get(url)
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

async fn reader(app: &TestApp) -> Reader<'_> {
    let token = app.login("Reader", "big").await;
    Reader {
        app,
        cookie: format!("chat_session={token}"),
    }
}

/// Pages walked newest to oldest, each oldest-first, joined back in room order.
fn assert_walk(mut pages: Vec<Vec<i64>>, all: &[i64]) {
    pages.reverse();
    let seen: Vec<i64> = pages.into_iter().flatten().collect();
    assert_eq!(seen.len(), all.len(), "some messages missing or repeated");
    assert_eq!(seen, all, "messages out of order");
}

#[apply(backends)]
#[tokio::test]
async fn every_history_api_walks_back_to_the_first_message_exactly_once(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, unthrottled).await else {
        return;
    };
    let all = seed(&app, "big", ROOM_SIZE).await;
    seed(&app, "other", 30).await;
    let r = reader(&app).await;

    // The room page's history endpoint, 100 at a time.
    let mut pages = Vec::new();
    let mut url = app.url("/chat/big/history/?limit=100");
    loop {
        let (status, page) = r.get(&url).await;
        assert_eq!(status, 200, "{page}");
        let ids = ids_of(&page["messages"]);
        let has_more = page["has_more"].as_bool().unwrap();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "page not oldest first");
        assert_eq!(
            has_more,
            ids.len() == 100 && ids[0] != all[0],
            "wrong has_more"
        );
        pages.push(ids.clone());
        if !has_more {
            break;
        }
        url = app.url(&format!("/chat/big/history/?before={}&limit=100", ids[0]));
    }
    assert_walk(pages, &all);

    // The room page's way: the server's page size, older by cursor.
    let (_, first) = r.get(&app.url("/chat/big/history/")).await;
    let mut pages = vec![ids_of(&first["messages"])];
    let mut has_more = first["has_more"].as_bool().unwrap();
    while has_more {
        let before = pages.last().unwrap()[0];
        let (status, page) = r
            .get(&app.url(&format!("/chat/big/history/?before={before}")))
            .await;
        assert_eq!(status, 200, "{page}");
        pages.push(ids_of(&page["messages"]));
        has_more = page["has_more"].as_bool().unwrap();
    }
    assert!(pages[..pages.len() - 1].iter().all(|p| p.len() == 50));
    assert_walk(pages, &all);
}

#[apply(backends)]
#[tokio::test]
async fn the_rest_api_pages_by_number_and_by_cursor_with_absolute_links(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, unthrottled).await else {
        return;
    };
    let all = seed(&app, "big", ROOM_SIZE).await;
    let r = reader(&app).await;
    let newest_first = |page: &Value| {
        let mut ids = ids_of(&page["results"]);
        ids.reverse();
        ids
    };

    // Numbered pages, following `next` until it is null.
    let first_url = app.url("/api/chat/big/messages/?page_size=100");
    let mut url = first_url.clone();
    let mut pages = Vec::new();
    let mut previous_url: Option<String> = None;
    loop {
        let (status, page) = r.get(&url).await;
        assert_eq!(status, 200, "{url}: {page}");
        assert_eq!(page["count"], ROOM_SIZE);
        assert_eq!(
            page["previous"].as_str().map(str::to_owned),
            previous_url,
            "previous of {url}"
        );
        pages.push(newest_first(&page));
        match page["next"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(&format!("http://{}/api/chat/big/messages/?", app.addr)),
                    "{next}"
                );
                previous_url = Some(url.clone());
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages.len(), ROOM_SIZE.div_ceil(100));
    assert_walk(pages, &all);
    // Defaults: 20 per page, newest first.
    let (_, page) = r.get(&app.url("/api/chat/big/messages/")).await;
    assert_eq!(
        ids_of(&page["results"]),
        all.iter().rev().take(20).copied().collect::<Vec<_>>()
    );
    // page_size above the maximum is served at the maximum.
    let (_, page) = r
        .get(&app.url("/api/chat/big/messages/?page_size=500"))
        .await;
    assert_eq!(page["results"].as_array().unwrap().len(), 100);

    // Cursor pages: back to the first message, then forward again.
    let mut url = app.url("/api/chat/big/messages/?cursor=&page_size=100");
    let mut pages = Vec::new();
    let last_page = loop {
        let (status, page) = r.get(&url).await;
        assert_eq!(status, 200, "{url}: {page}");
        pages.push(newest_first(&page));
        match page["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break page,
        }
    };
    assert_walk(pages, &all);
    let mut forward = vec![newest_first(&last_page)];
    let mut url = last_page["previous"].as_str().map(str::to_owned);
    while let Some(u) = url {
        let (_, page) = r.get(&u).await;
        forward.push(newest_first(&page));
        url = page["previous"].as_str().map(str::to_owned);
    }
    let seen: Vec<i64> = forward.into_iter().flatten().collect();
    assert_eq!(seen, all);
}

#[apply(backends)]
#[tokio::test]
async fn bad_parameters_unknown_rooms_and_missing_sessions_get_json_errors(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, unthrottled).await else {
        return;
    };
    seed(&app, "big", 30).await;
    let r = reader(&app).await;

    for (path, status, code) in [
        ("/chat/big/history/?before=abc", 400, "invalid"),
        ("/chat/big/history/?before=0", 400, "invalid"),
        ("/chat/big/history/?limit=0", 400, "invalid"),
        ("/chat/big/history/?limit=101", 400, "invalid"),
        ("/chat/nowhere/history/", 404, "not_found"),
        ("/chat/no%20such/history/", 404, "not_found"),
        ("/api/chat/big/messages/?page=0", 400, "invalid"),
        ("/api/chat/big/messages/?page=abc", 400, "invalid"),
        ("/api/chat/big/messages/?page_size=-5", 400, "invalid"),
        (
            "/api/chat/big/messages/?page=3&page_size=20",
            404,
            "not_found",
        ),
        (
            "/api/chat/big/messages/?cursor=not-a-cursor",
            400,
            "invalid",
        ),
        ("/api/chat/nowhere/messages/", 404, "not_found"),
    ] {
        let (got, body) = r.get(&app.url(path)).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
    }
    for path in ["/chat/big/history/", "/api/chat/big/messages/"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 401, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

#[apply(backends)]
#[tokio::test]
async fn a_catch_up_beyond_the_bound_is_not_recovered(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, unthrottled).await else {
        return;
    };
    let all = seed(&app, "big", 620).await;
    let socket = app.socket(&app.login("Late", "big").await).await;
    let ack = socket
        .ack("join", json!({"room": "big", "since": all[10]}))
        .await;
    assert_eq!(ack["recovered"], false);
    assert_eq!(ids_of(&ack["messages"]), all[all.len() - 50..]);
    let ack = socket
        .ack("join", json!({"room": "big", "since": all[200]}))
        .await;
    assert_eq!(ack["recovered"], true);
    assert_eq!(ids_of(&ack["messages"]), all[201..]);
}
