//! Rooms beyond their messages: members and how far each has read, the
//! sidebar's list, the directory, private rooms and direct messages.

use crate::{backends, open, room, text, user};
use chat_core::reserved::name_key;
use chat_core::store::{Backend, DirectSide, ReadMarker, RoomAccess, Store};
use rstest_reuse::apply;

/// Stores a message from `who` in `room`: its id.
async fn say(store: &dyn Store, room_name: &str, who: &str, content: &str) -> i64 {
    let (room, who) = (room(room_name), user(who));
    store
        .insert_message(text(&room, &who, content, None))
        .await
        .unwrap()
        .message
        .id
}

async fn unread(store: &dyn Store, who: &str, room_name: &str) -> Option<i64> {
    store
        .member_rooms(who, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == room_name)
        .map(|r| r.unread())
}

fn side<'a>(name: &'a str, key: &'a str) -> DirectSide<'a> {
    DirectSide {
        username: name,
        name_key: key,
    }
}

#[apply(backends)]
#[tokio::test]
async fn unread_counts_what_others_sent_after_the_marker_which_only_moves_forward(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let general = room("general");
    store.ensure_room(&general).await.unwrap();
    let before = say(store, "general", "Alice", "history").await;

    // History is not news: a new member has read what the room held.
    let marker = store.join_room(&general, "Bob").await.unwrap();
    assert_eq!(
        marker,
        ReadMarker {
            read_up_to: before,
            read_seq: 1
        }
    );
    store.join_room(&general, "Alice").await.unwrap();
    assert_eq!(unread(store, "Bob", "general").await, Some(0));

    let first = say(store, "general", "Alice", "one").await;
    let second = say(store, "general", "Alice", "two").await;
    let third = say(store, "general", "Alice", "three").await;
    assert_eq!(unread(store, "Bob", "general").await, Some(3));
    // What Alice sent herself is read.
    assert_eq!(unread(store, "Alice", "general").await, Some(0));

    let marked = store.mark_read(&general, "Bob", second).await.unwrap();
    assert_eq!(marked.map(|m| m.read_up_to), Some(second));
    assert_eq!(unread(store, "Bob", "general").await, Some(1));
    // Backwards is no move at all.
    let marked = store.mark_read(&general, "Bob", first).await.unwrap();
    assert_eq!(marked.map(|m| m.read_up_to), Some(second));
    assert_eq!(unread(store, "Bob", "general").await, Some(1));
    // Past the newest message: the newest message.
    let marked = store.mark_read(&general, "Bob", i64::MAX).await.unwrap();
    assert_eq!(marked.map(|m| m.read_up_to), Some(third));
    assert_eq!(unread(store, "Bob", "general").await, Some(0));

    // Bob's own message moves his marker past Alice's next one, too.
    say(store, "general", "Alice", "four").await;
    let own = say(store, "general", "Bob", "five").await;
    let rooms = store.member_rooms("Bob", 100).await.unwrap();
    assert_eq!(rooms[0].marker.read_up_to, own);
    assert_eq!(rooms[0].unread(), 0);
    assert_eq!(rooms[0].last_message_id, own);

    // Not a member: no marker to move.
    assert_eq!(store.mark_read(&general, "Carol", own).await.unwrap(), None);
}

#[apply(backends)]
#[tokio::test]
async fn my_rooms_come_most_recently_active_first_and_leaving_takes_one_out(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    for name in ["alpha", "beta", "gamma"] {
        store.ensure_room(&room(name)).await.unwrap();
        store.join_room(&room(name), "Bob").await.unwrap();
    }
    say(store, "gamma", "Alice", "old news").await;
    say(store, "alpha", "Alice", "news").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    say(store, "beta", "Alice", "newest").await;

    let names = |rooms: Vec<chat_core::store::MemberRoom>| -> Vec<String> {
        rooms.into_iter().map(|r| r.name).collect()
    };
    let mine = store.member_rooms("Bob", 100).await.unwrap();
    assert_eq!(names(mine.clone())[0], "beta");
    assert!(mine.iter().all(|r| r.unread() == 1 && !r.private));
    assert_eq!(names(store.member_rooms("Bob", 2).await.unwrap()).len(), 2);

    assert!(store.leave_room(&room("alpha"), "Bob").await.unwrap());
    assert!(!store.leave_room(&room("alpha"), "Bob").await.unwrap());
    let left: Vec<String> = names(store.member_rooms("Bob", 100).await.unwrap());
    assert!(!left.contains(&"alpha".to_owned()), "{left:?}");
    assert_eq!(left.len(), 2);
    // Coming back starts from the room as it is then.
    store.join_room(&room("alpha"), "Bob").await.unwrap();
    assert_eq!(unread(store, "Bob", "alpha").await, Some(0));
}

#[apply(backends)]
#[tokio::test]
async fn a_private_room_knows_its_members_and_a_taken_name_is_not_made_twice(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let secret = room("secret");
    assert!(store.create_room(&secret, true, "Alice").await.unwrap());
    assert!(!store.create_room(&secret, false, "Mallory").await.unwrap());
    assert_eq!(
        store.room_access(&room("nowhere"), "Alice").await.unwrap(),
        None
    );

    let alice = store.room_access(&secret, "Alice").await.unwrap().unwrap();
    assert_eq!(
        alice,
        RoomAccess {
            private: true,
            direct: false,
            member: true,
            message_count: 0
        }
    );
    let mallory = store
        .room_access(&secret, "Mallory")
        .await
        .unwrap()
        .unwrap();
    assert!(mallory.private && !mallory.member);

    store.join_room(&secret, "Bob").await.unwrap();
    say(store, "secret", "Alice", "hush").await;
    assert_eq!(unread(store, "Bob", "secret").await, Some(1));
    let listed = store.member_rooms("Bob", 10).await.unwrap();
    assert!(listed[0].private);

    // A deleted account keeps no private memberships (public ones stay).
    store.ensure_room(&room("general")).await.unwrap();
    store.join_room(&room("general"), "Bob").await.unwrap();
    store.leave_private_rooms("Bob").await.unwrap();
    let after: Vec<String> = store
        .member_rooms("Bob", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(after, ["general"]);
    assert!(
        !store
            .room_access(&secret, "Bob")
            .await
            .unwrap()
            .unwrap()
            .member
    );
}

#[apply(backends)]
#[tokio::test]
async fn the_directory_lists_public_rooms_by_prefix_with_their_member_counts(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    for name in ["team-web", "team_ops", "teamxops", "random"] {
        store.ensure_room(&room(name)).await.unwrap();
    }
    store
        .create_room(&room("team-secret"), true, "Alice")
        .await
        .unwrap();
    for who in ["Alice", "Bob"] {
        store.join_room(&room("team-web"), who).await.unwrap();
    }
    say(store, "team_ops", "Alice", "busy").await;

    let listed = store.directory("team", 10).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|r| r.name.as_str()).collect();
    // The most recently active first; never the private room.
    assert_eq!(names[0], "team_ops");
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(!names.contains(&"team-secret"));
    let web = listed.iter().find(|r| r.name == "team-web").unwrap();
    assert_eq!(web.members, 2);

    // `_` is a character of the name, not a wildcard.
    let underscored = store.directory("team_", 10).await.unwrap();
    assert_eq!(
        underscored
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["team_ops"]
    );
    assert_eq!(store.directory("", 2).await.unwrap().len(), 2);
    assert!(store.directory("zzz", 10).await.unwrap().is_empty());
}

#[apply(backends)]
#[tokio::test]
async fn two_accounts_have_one_direct_room_whoever_opens_it(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let (alice, bob) = (name_key("Alice"), name_key("Bob"));
    let first = store
        .direct_room(side("Alice", &alice), side("Bob", &bob), &room("dm-1"))
        .await
        .unwrap();
    assert_eq!(first, "dm-1");
    let again = store
        .direct_room(side("Bob", &bob), side("Alice", &alice), &room("dm-2"))
        .await
        .unwrap();
    assert_eq!(again, "dm-1");
    assert_eq!(store.room_access(&room("dm-2"), "Bob").await.unwrap(), None);

    let access = store
        .room_access(&room("dm-1"), "Bob")
        .await
        .unwrap()
        .unwrap();
    assert!(access.private && access.direct && access.member);
    let listed = store.member_rooms("Alice", 10).await.unwrap();
    assert_eq!(
        listed[0].direct,
        Some(("Alice".to_owned(), "Bob".to_owned()))
    );

    // One who left is a member again once it is opened.
    store.leave_room(&room("dm-1"), "Bob").await.unwrap();
    store
        .direct_room(side("Alice", &alice), side("Bob", &bob), &room("dm-3"))
        .await
        .unwrap();
    assert!(
        store
            .room_access(&room("dm-1"), "Bob")
            .await
            .unwrap()
            .unwrap()
            .member
    );

    // Opened by both at once: still one room.
    let (carol, dave) = (name_key("Carol"), name_key("Dave"));
    let (four, five) = (room("dm-4"), room("dm-5"));
    let (a, b) = tokio::join!(
        store.direct_room(side("Carol", &carol), side("Dave", &dave), &four),
        store.direct_room(side("Dave", &dave), side("Carol", &carol), &five),
    );
    assert_eq!(a.unwrap(), b.unwrap());
}
