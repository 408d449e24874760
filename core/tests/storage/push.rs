//! What push notifications keep: devices (each person's newest few, a
//! device belonging to whoever saved it last), the outbox (one push per
//! device and room, claimed by one sender, replaced by newer messages) and
//! each device's window of pushes.

use crate::{backends, open, room};
use chat_core::store::Backend;
use chat_core::store::push::{DeviceAddress, QueuedPush, SavedDevice, WINDOW_MS};
use rstest_reuse::apply;

fn phone(n: u32) -> DeviceAddress {
    DeviceAddress::Fcm {
        token: format!("fcm-token-{n}"),
    }
}

/// The ids of the devices of `room`'s members other than `sender`.
async fn devices_of(store: &dyn chat_core::store::Store, room: &str, sender: &str) -> Vec<String> {
    let mut owners: Vec<String> = store
        .member_devices(room, sender, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.username)
        .collect();
    owners.sort();
    owners
}

/// Bob, a member of #general, with one phone: its device id.
async fn bobs_phone(store: &dyn chat_core::store::Store) -> i64 {
    store.ensure_room(&room("general")).await.unwrap();
    store.join_room(&room("general"), "Bob").await.unwrap();
    store.save_device("Bob", &phone(1), 10).await.unwrap();
    store.member_devices("general", "Alice", 10).await.unwrap()[0].device_id
}

#[apply(backends)]
#[tokio::test]
async fn a_device_belongs_to_whoever_saved_it_last_and_each_person_keeps_their_newest(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    store.ensure_room(&room("general")).await.unwrap();
    for name in ["Alice", "Bob", "Carol"] {
        store.join_room(&room("general"), name).await.unwrap();
    }
    // Joining twice is joining once.
    store.join_room(&room("general"), "Alice").await.unwrap();

    assert_eq!(
        store.save_device("Alice", &phone(1), 2).await.unwrap(),
        SavedDevice::New
    );
    assert_eq!(
        store.save_device("Alice", &phone(1), 2).await.unwrap(),
        SavedDevice::Already
    );
    assert_eq!(devices_of(store, "general", "Carol").await, ["Alice"]);
    // Bob signs in on Alice's phone: it is his now.
    assert_eq!(
        store.save_device("Bob", &phone(1), 2).await.unwrap(),
        SavedDevice::New
    );
    assert_eq!(devices_of(store, "general", "Carol").await, ["Bob"]);

    // Alice saves three more; she keeps the newest two.
    for n in 2..=4 {
        store.save_device("Alice", &phone(n), 2).await.unwrap();
    }
    assert_eq!(
        devices_of(store, "general", "Carol").await,
        ["Alice", "Alice", "Bob"]
    );
    assert!(
        !store.remove_device("Alice", &phone(2)).await.unwrap(),
        "trimmed, yet still there"
    );
    assert!(store.remove_device("Alice", &phone(4)).await.unwrap());
    // Only its owner removes a device.
    assert!(!store.remove_device("Alice", &phone(1)).await.unwrap());
    assert_eq!(
        devices_of(store, "general", "Carol").await,
        ["Alice", "Bob"]
    );
    // The sender's own devices are not pushed to.
    assert_eq!(devices_of(store, "general", "Bob").await, ["Alice"]);
    assert!(store.has_devices().await.unwrap());
}

#[apply(backends)]
#[tokio::test]
async fn a_push_is_claimed_by_one_sender_and_a_newer_message_replaces_it(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let device = bobs_phone(store).await;
    let now = 1_000_000;
    assert_eq!(store.next_push_due().await.unwrap(), None);

    store
        .queue_pushes("general", 1, &[device], now)
        .await
        .unwrap();
    // A second message before it went: the one push tells of it instead,
    // still due when the first was.
    store
        .queue_pushes("general", 2, &[device], now + 500)
        .await
        .unwrap();
    assert_eq!(store.next_push_due().await.unwrap(), Some(now));
    assert!(store.due_pushes(now - 1, 10).await.unwrap().is_empty());
    let due = store.due_pushes(now, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    let push: QueuedPush = due[0].clone();
    assert_eq!((push.message_id, push.device.username.as_str()), (2, "Bob"));

    // Two senders race for it: one gets it, and it is not due while leased.
    let lease = now + 30_000;
    assert!(store.claim_push(&push, lease).await.unwrap());
    assert!(!store.claim_push(&push, lease).await.unwrap());
    assert!(store.due_pushes(now + 1, 10).await.unwrap().is_empty());

    // A newer message while it is being sent: marking it sent leaves the
    // newer one due at once.
    store
        .queue_pushes("general", 3, &[device], now + 1_000)
        .await
        .unwrap();
    assert!(!store.push_sent(&push, now + 2_000).await.unwrap());
    let again = store.due_pushes(now + 2_000, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].message_id, 3);
    assert!(store.claim_push(&again[0], now + 32_000).await.unwrap());
    let claimed = QueuedPush {
        due_at: now + 32_000,
        ..again[0].clone()
    };
    assert!(store.push_sent(&claimed, now + 3_000).await.unwrap());
    assert_eq!(store.next_push_due().await.unwrap(), None);
}

#[apply(backends)]
#[tokio::test]
async fn failed_pushes_wait_their_turn_and_gone_devices_take_their_pushes_with_them(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let device = bobs_phone(store).await;
    let now = 5_000_000;
    store
        .queue_pushes("general", 7, &[device], now)
        .await
        .unwrap();
    let push = store.due_pushes(now, 10).await.unwrap().remove(0);

    store
        .reschedule_push(push.id, now + 4_000, 1)
        .await
        .unwrap();
    assert!(store.due_pushes(now + 3_999, 10).await.unwrap().is_empty());
    let retried = store.due_pushes(now + 4_000, 10).await.unwrap();
    assert_eq!(retried[0].attempts, 1);
    store.drop_push(push.id).await.unwrap();
    assert_eq!(store.next_push_due().await.unwrap(), None);

    store
        .queue_pushes("general", 8, &[device], now)
        .await
        .unwrap();
    store.forget_device(device).await.unwrap();
    assert!(store.due_pushes(now, 10).await.unwrap().is_empty());
    assert!(
        store
            .member_devices("general", "Alice", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[apply(backends)]
#[tokio::test]
async fn a_device_takes_a_bounded_number_of_pushes_per_window(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let device = bobs_phone(store).await;
    let now = 9_000_000;
    assert!(store.take_push_window(device, now, 2).await.unwrap());
    assert!(store.take_push_window(device, now + 1, 2).await.unwrap());
    assert!(!store.take_push_window(device, now + 2, 2).await.unwrap());
    // A new window starts a minute after the last one did.
    assert!(
        store
            .take_push_window(device, now + WINDOW_MS, 2)
            .await
            .unwrap()
    );
}
