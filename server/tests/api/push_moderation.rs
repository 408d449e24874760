//! What a push says is decided when it goes, not when it was queued: a
//! message deleted while its push waits is not pushed, an edited one is
//! pushed with its new text, and nobody banned gets pushes of the rooms
//! they were in.

use crate::backends;
use crate::helpers::{QUIET, staff_site, staff_token, start};
use crate::push::{bob_away, member, push_to, pushing_app};
use crate::push_services::{FakeFcm, PushService};
use chat_core::store::Backend;
use rstest_reuse::apply;
use serde_json::json;
use std::time::Duration;

/// Longer than the first retry's wait after a failed push (1 s).
const PAST_FIRST_RETRY: Duration = Duration::from_millis(1_800);

#[apply(backends)]
#[tokio::test]
async fn a_push_waiting_to_be_retried_tells_of_the_message_as_it_is_then(#[case] backend: Backend) {
    let Some((fcm, _web, app, mut alice)) = pushing_app(backend).await else {
        return;
    };
    bob_away(&app, &mut alice, &[json!({"token": "bob-phone"})]).await;

    // The service is busy at first: the push waits a second to be retried,
    // and meanwhile Alice fixes her message.
    fcm.script("bob-phone", &[(503, json!({}))]);
    let sent = alice.send("general", "the code is 1234").await;
    let id = sent["message"]["id"].clone();
    fcm.wait_attempts("bob-phone", 1).await;
    let edited = alice
        .ack(
            "edit_message",
            json!({"room": "general", "id": id, "content": "call me"}),
        )
        .await;
    assert_eq!(edited["ok"], true, "{edited}");
    let pushed = fcm.wait_accepted("bob-phone", 1).await;
    assert_eq!(pushed[0]["notification"]["body"], "alice: call me");

    // Deleted while its push waits: it is never pushed.
    fcm.script("bob-phone", &[(503, json!({}))]);
    let sent = alice.send("general", "oops, wrong room").await;
    fcm.wait_attempts("bob-phone", 3).await;
    let deleted = alice
        .ack(
            "delete_message",
            json!({"room": "general", "id": sent["message"]["id"]}),
        )
        .await;
    assert_eq!(deleted["ok"], true, "{deleted}");
    tokio::time::sleep(PAST_FIRST_RETRY).await;
    assert_eq!(
        fcm.attempts("bob-phone"),
        3,
        "the deleted message was pushed"
    );
    assert_eq!(fcm.accepted("bob-phone").len(), 1);
    fcm.assert_no_problems();
}

#[apply(backends)]
#[tokio::test]
async fn nobody_banned_is_pushed_to_until_the_ban_is_lifted(#[case] backend: Backend) {
    let Some(site) = staff_site(backend, "Boss").await else {
        return;
    };
    let fcm = FakeFcm::start().await;
    let mut config = site.config();
    push_to(&mut config, &fcm);
    let app = start(config).await;
    let boss = app.socket(&staff_token(&app, "Boss").await).await;
    let (_, mut alice) = member(&app, "alice", "general").await;
    bob_away(&app, &mut alice, &[json!({"token": "bob-phone"})]).await;

    // A push waiting to be retried when the ban comes is not sent, nor is
    // anything posted while it lasts.
    fcm.script("bob-phone", &[(503, json!({}))]);
    assert_eq!(alice.send("general", "one").await["ok"], true);
    fcm.wait_attempts("bob-phone", 1).await;
    let ban = json!({"username": "bob", "minutes": 60});
    assert_eq!(boss.ack("ban", ban).await["ok"], true);
    assert_eq!(alice.send("general", "two").await["ok"], true);
    tokio::time::sleep(PAST_FIRST_RETRY).await;
    assert_eq!(
        fcm.attempts("bob-phone"),
        1,
        "a banned reader was pushed to"
    );

    // His devices were kept: once the ban is lifted, pushes resume.
    let lift = json!({"username": "bob", "minutes": 0});
    assert_eq!(boss.ack("ban", lift).await["ok"], true);
    assert_eq!(alice.send("general", "three").await["ok"], true);
    let pushed = fcm.wait_accepted("bob-phone", 1).await;
    assert_eq!(pushed[0]["notification"]["body"], "alice: three");
    tokio::time::sleep(QUIET).await;
    assert_eq!(fcm.accepted("bob-phone").len(), 1);
    fcm.assert_no_problems();
}
