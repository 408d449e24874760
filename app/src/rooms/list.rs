//! My rooms as the sidebar shows them: kept from the server's list, and
//! moved by the live events of rooms this page is not showing.

use crate::location::room_path;
use leptos::prelude::*;
use protocol::rooms::{MyRoom, ReadNotice, RoomActivity};

/// My rooms, most recent activity first; `Copy`, like the room's other
/// live state.
#[derive(Clone, Copy)]
pub struct RoomList {
    pub rooms: RwSignal<Vec<MyRoom>>,
    /// The room this page shows.
    pub current: RwSignal<String>,
    /// How the page shows another room (in place, once it is live).
    opener: StoredValue<Option<Callback<String>>>,
}

impl RoomList {
    pub fn new(rooms: Vec<MyRoom>, current: String) -> Self {
        RoomList {
            rooms: RwSignal::new(rooms),
            current: RwSignal::new(current),
            opener: StoredValue::new(None),
        }
    }

    /// Lets the page switch rooms in place: [`RoomList::open`] calls
    /// `opener` from now on.
    pub fn open_with(self, opener: Callback<String>) {
        self.opener.set_value(Some(opener));
    }

    /// Shows `room`: in place when the page can switch, else by loading
    /// its page.
    pub fn open(self, room: &str) {
        match self.opener.get_value() {
            Some(opener) => opener.run(room.to_owned()),
            None => {
                let _ = window().location().assign(&room_path(room));
            }
        }
    }

    /// The room shown, as the list has it (tracked), if it is there.
    pub fn shown(self) -> Option<MyRoom> {
        let current = self.current.get();
        self.rooms
            .with(|rooms| rooms.iter().find(|r| r.name == current).cloned())
    }

    /// The room shown as a reader names it (tracked): `#general`, or
    /// `@bob` for a direct message.
    pub fn heading(self) -> String {
        let direct_with = self.shown().and_then(|r| r.direct_with);
        heading_of(&self.current.get(), direct_with.as_deref())
    }

    /// A plain click on a link to `room` shows it in place; one that asks
    /// for a new tab or window (a modifier key, the middle button) is left
    /// to the browser, which loads the room's page there.
    pub fn open_on_click(self, ev: leptos::ev::MouseEvent, room: &str) {
        if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
            return;
        }
        ev.prevent_default();
        self.open(room);
    }

    /// This room in the list, if it is there.
    pub fn find(self, room: &str) -> Option<MyRoom> {
        self.rooms
            .with_untracked(|rooms| rooms.iter().find(|r| r.name == room).cloned())
    }

    /// News of a room: its counts as the server has them, and it moves to
    /// the top when it has a newer message. `false` for a room not listed
    /// (one that just became mine): the list is then to be fetched again.
    pub fn activity(self, news: RoomActivity) -> bool {
        self.rooms
            .try_update(|rooms| {
                let Some(at) = rooms.iter().position(|r| r.name == news.room) else {
                    return false;
                };
                let newer = news.last_message_id > rooms[at].last_message_id;
                let room = &mut rooms[at];
                room.unread = news.unread;
                room.mentions = news.mentions;
                room.last_message_id = room.last_message_id.max(news.last_message_id);
                if newer {
                    move_up(rooms, at);
                }
                true
            })
            .unwrap_or(true)
    }

    /// My marker moved (here or on another device).
    pub fn read(self, notice: &ReadNotice) {
        self.rooms.update(|rooms| {
            if let Some(room) = rooms.iter_mut().find(|r| r.name == notice.room) {
                room.read_up_to = room.read_up_to.max(notice.read_up_to);
                room.unread = notice.unread;
            }
        });
    }

    /// The room this page shows: what is unread in it, as the page counts.
    pub fn showing(self, unread: i64, newest: Option<i64>) {
        let current = self.current.get_untracked();
        self.rooms.update(|rooms| {
            let Some(at) = rooms.iter().position(|r| r.name == current) else {
                return;
            };
            let room = &mut rooms[at];
            room.unread = unread;
            if let Some(newest) = newest.filter(|n| *n > room.last_message_id) {
                room.last_message_id = newest;
                move_up(rooms, at);
            }
        });
    }

    /// A room is mine no more.
    pub fn left(self, name: &str) {
        self.rooms.update(|rooms| rooms.retain(|r| r.name != name));
    }

    /// Unread messages in all my rooms.
    pub fn unread_total(self) -> i64 {
        self.rooms
            .with(|rooms| rooms.iter().map(|r| r.unread).sum())
    }

    /// Where to go after leaving the room shown: the next room of mine,
    /// or (with none left) the login page's room chooser.
    pub fn open_next(self) {
        let current = self.current.get_untracked();
        let next = self.rooms.with_untracked(|rooms| {
            rooms
                .iter()
                .find(|r| r.name != current)
                .map(|r| r.name.clone())
        });
        match next {
            Some(room) => self.open(&room),
            None => {
                let _ = window().location().assign("/");
            }
        }
    }

    /// Fetches the list again (after a connection came back, or a room
    /// became mine).
    #[cfg(feature = "hydrate")]
    pub fn refresh(self) {
        leptos::task::spawn_local(async move {
            if let Ok(list) = crate::xhr::get_json::<protocol::rooms::MyRooms>("/api/rooms").await {
                self.rooms.set(list.rooms);
            }
        });
    }
}

/// `#room`, or `@person` for a direct message with them.
pub fn heading_of(room: &str, direct_with: Option<&str>) -> String {
    match direct_with {
        Some(person) => format!("@{person}"),
        None => format!("#{room}"),
    }
}

/// Moves the room at `at`, which has a newer message, above those whose
/// newest message is older. News of two rooms may arrive in either order;
/// message ids grow across rooms, so they order the rooms as their
/// activity does.
fn move_up(rooms: &mut Vec<MyRoom>, at: usize) {
    let room = rooms.remove(at);
    let to = rooms
        .iter()
        .position(|r| r.last_message_id < room.last_message_id)
        .unwrap_or(rooms.len());
    rooms.insert(to, room);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(name: &str, last: i64, unread: i64) -> MyRoom {
        MyRoom {
            name: name.to_owned(),
            private: false,
            unread,
            mentions: 0,
            last_message_id: last,
            last_activity: String::new(),
            read_up_to: 0,
            direct_with: None,
        }
    }

    #[test]
    fn news_moves_a_room_up_and_sets_its_counts() {
        let owner = Owner::new();
        owner.with(|| {
            let list = RoomList::new(vec![room("a", 5, 0), room("b", 3, 0)], "a".into());
            let news = |last_message_id, unread| RoomActivity {
                room: "b".into(),
                last_message_id,
                unread,
                mentions: 0,
            };
            assert!(list.activity(news(9, 2)));
            let names = || -> Vec<String> {
                list.rooms
                    .with(|r| r.iter().map(|r| r.name.clone()).collect())
            };
            assert_eq!(names(), ["b", "a"]);
            // Older news of a room arriving late does not put it above
            // one with newer messages.
            assert!(list.activity(RoomActivity {
                room: "a".into(),
                ..news(7, 0)
            }));
            assert_eq!(names(), ["b", "a"]);
            assert_eq!(list.unread_total(), 2);
            list.read(&ReadNotice {
                room: "b".into(),
                read_up_to: 9,
                unread: 0,
            });
            assert_eq!(list.unread_total(), 0);
            assert!(!list.activity(RoomActivity {
                room: "new".into(),
                ..news(1, 1)
            }));
            list.left("b");
            assert_eq!(list.find("b"), None);
            assert!(list.find("a").is_some());
        });
    }
}
