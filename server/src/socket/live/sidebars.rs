//! The rooms of the people connected to this node, with how far each has
//! read them and how many messages each room holds: enough to tell every
//! connection its unread counts without a database read per message.
//!
//! A message to a room with M members costs, on each node, a look-up of the
//! members connected there and one `room_activity` per connection of
//! theirs that is not in the room (coalesced: a room's news waits a
//! moment from its first message, then goes out once). Counts are absolute
//! (a room's newest message number, a member's marker), never increments,
//! so a missed notice is made good by the next one.

use chat_core::store::{MemberRoom, ReadMarker};
use protocol::rooms::{ReadNotice, RoomActivity};
use socketioxide::socket::Sid;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// What this node knows of its people's rooms.
#[derive(Debug, Default)]
pub struct Sidebars {
    people: HashMap<String, Person>,
    rooms: HashMap<String, RoomNews>,
    /// Rooms with news not told yet, each with when its first came.
    pending: HashMap<String, Instant>,
}

#[derive(Debug, Default)]
struct Person {
    /// Each connection here, with the rooms it has joined (whose messages
    /// it gets anyway).
    connections: HashMap<Sid, HashSet<String>>,
    rooms: HashMap<String, ReadMarker>,
}

#[derive(Debug, Default)]
struct RoomNews {
    newest_id: i64,
    /// The newest message's number: the room's message count.
    count: i64,
    /// Its members connected here.
    members: HashSet<String>,
}

impl RoomNews {
    fn raise(&mut self, id: i64, count: i64) {
        if count > self.count {
            self.count = count;
        }
        self.newest_id = self.newest_id.max(id);
    }

    fn unread(&self, marker: &ReadMarker) -> i64 {
        (self.count - marker.read_seq).max(0)
    }
}

impl Sidebars {
    /// A connection of `user` opened here; true when it is their first
    /// (their rooms are then to be loaded).
    pub fn connected(&mut self, sid: Sid, user: &str) -> bool {
        let person = self.people.entry(user.to_owned()).or_default();
        person.connections.insert(sid, HashSet::new());
        person.connections.len() == 1
    }

    /// A connection of `user` closed here.
    pub fn disconnected(&mut self, sid: Sid, user: &str) {
        let Some(person) = self.people.get_mut(user) else {
            return;
        };
        person.connections.remove(&sid);
        if person.connections.is_empty()
            && let Some(person) = self.people.remove(user)
        {
            for room in person.rooms.keys() {
                self.drop_member(room, user);
            }
        }
    }

    /// Whether anyone is connected here as `user`.
    pub fn is_here(&self, user: &str) -> bool {
        self.people.contains_key(user)
    }

    /// The connection `sid` of `user` joined `room` (`true`) or left it.
    pub fn viewing(&mut self, sid: Sid, user: &str, room: &str, joined: bool) {
        let Some(rooms) = self
            .people
            .get_mut(user)
            .and_then(|p| p.connections.get_mut(&sid))
        else {
            return;
        };
        if joined {
            rooms.insert(room.to_owned());
        } else {
            rooms.remove(room);
        }
    }

    /// `user`'s rooms as stored (a first connection's, or after they
    /// joined one elsewhere): what this node keeps of them from now on.
    /// Connections not in a room learn of any that is new to them.
    pub fn loaded(&mut self, user: &str, stored: Vec<MemberRoom>) -> Vec<(Sid, RoomActivity)> {
        let Some(person) = self.people.get_mut(user) else {
            return Vec::new();
        };
        let mut fresh = Vec::new();
        let listed: HashSet<String> = stored.iter().map(|r| r.name.clone()).collect();
        for room in stored {
            let news = self.rooms.entry(room.name.clone()).or_default();
            news.raise(room.last_message_id, room.message_count);
            news.members.insert(user.to_owned());
            let marker = person.rooms.entry(room.name.clone()).or_insert_with(|| {
                fresh.push(room.name.clone());
                room.marker
            });
            if room.marker.read_seq > marker.read_seq {
                *marker = room.marker;
            }
        }
        // Rooms left meanwhile (elsewhere) are gone from the list.
        let gone: Vec<String> = person
            .rooms
            .keys()
            .filter(|room| !listed.contains(*room))
            .cloned()
            .collect();
        for room in &gone {
            person.rooms.remove(room);
        }
        for room in &gone {
            self.drop_member(room, user);
        }
        fresh
            .iter()
            .flat_map(|room| self.activity_of(user, room))
            .collect()
    }

    /// Message `id`, number `seq`, from `sender` was stored in `room`: the
    /// sender has read it, and the room has news for the next flush.
    pub fn message(&mut self, room: &str, id: i64, seq: i64, sender: &str) {
        let Some(news) = self.rooms.get_mut(room) else {
            return;
        };
        news.raise(id, seq);
        if let Some(marker) = self
            .people
            .get_mut(sender)
            .and_then(|p| p.rooms.get_mut(room))
            && seq > marker.read_seq
        {
            *marker = ReadMarker {
                read_up_to: id,
                read_seq: seq,
            };
        }
        self.pending
            .entry(room.to_owned())
            .or_insert_with(Instant::now);
    }

    /// `user`'s marker in `room` (of `count` messages) moved: what each of
    /// their connections but `origin` is told.
    pub fn read(
        &mut self,
        user: &str,
        room: &str,
        marker: ReadMarker,
        count: i64,
        origin: Option<Sid>,
    ) -> Vec<(Sid, ReadNotice)> {
        let Some(person) = self.people.get_mut(user) else {
            return Vec::new();
        };
        let Some(kept) = person.rooms.get_mut(room) else {
            return Vec::new();
        };
        if marker.read_seq > kept.read_seq {
            *kept = marker;
        }
        let kept = *kept;
        let news = self.rooms.entry(room.to_owned()).or_default();
        news.raise(kept.read_up_to, count);
        let notice = ReadNotice {
            room: room.to_owned(),
            read_up_to: kept.read_up_to,
            unread: news.unread(&kept),
        };
        person
            .connections
            .keys()
            .filter(|sid| Some(**sid) != origin)
            .map(|sid| (*sid, notice.clone()))
            .collect()
    }

    /// `user` left `room`: every connection of theirs here.
    pub fn left(&mut self, user: &str, room: &str) -> Vec<Sid> {
        let Some(person) = self.people.get_mut(user) else {
            return Vec::new();
        };
        person.rooms.remove(room);
        for rooms in person.connections.values_mut() {
            rooms.remove(room);
        }
        let sids = person.connections.keys().copied().collect();
        self.drop_member(room, user);
        sids
    }

    /// What the rooms whose news waits since `gathered_before` (or
    /// earlier) tell each connection of their members that is not in them.
    /// Each room's news waits from its own first message, so the rooms'
    /// notices spread over time rather than leaving all at one instant.
    pub fn flush(&mut self, gathered_before: Instant) -> Vec<(Sid, RoomActivity)> {
        let mut due = Vec::new();
        self.pending.retain(|room, since| {
            let ready = *since <= gathered_before;
            if ready {
                due.push(room.clone());
            }
            !ready
        });
        let mut out = Vec::new();
        for room in &due {
            let Some(news) = self.rooms.get(room) else {
                continue;
            };
            for member in &news.members {
                out.extend(self.activity_of(member, room));
            }
        }
        out
    }

    /// `room`'s counts for each connection of `user` not in it.
    fn activity_of(&self, user: &str, room: &str) -> Vec<(Sid, RoomActivity)> {
        let (Some(person), Some(news)) = (self.people.get(user), self.rooms.get(room)) else {
            return Vec::new();
        };
        let Some(marker) = person.rooms.get(room) else {
            return Vec::new();
        };
        let activity = RoomActivity {
            room: room.to_owned(),
            last_message_id: news.newest_id,
            unread: news.unread(marker),
            mentions: 0,
        };
        person
            .connections
            .iter()
            .filter(|(_, joined)| !joined.contains(room))
            .map(|(sid, _)| (*sid, activity.clone()))
            .collect()
    }

    fn drop_member(&mut self, room: &str, user: &str) {
        if let Some(news) = self.rooms.get_mut(room) {
            news.members.remove(user);
            if news.members.is_empty() {
                self.rooms.remove(room);
                self.pending.remove(room);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn stored(name: &str, count: i64, read_seq: i64) -> MemberRoom {
        MemberRoom {
            name: name.into(),
            private: false,
            message_count: count,
            last_message_id: count * 10,
            last_activity: Utc::now(),
            marker: ReadMarker {
                read_up_to: read_seq * 10,
                read_seq,
            },
            direct: None,
        }
    }

    fn unread_of(out: &[(Sid, RoomActivity)], sid: Sid, room: &str) -> Option<i64> {
        out.iter()
            .find(|(s, a)| *s == sid && a.room == room)
            .map(|(_, a)| a.unread)
    }

    #[test]
    fn a_message_counts_for_every_connection_of_a_member_not_in_the_room() {
        let mut book = Sidebars::default();
        let (in_room, elsewhere) = (Sid::new(), Sid::new());
        assert!(book.connected(in_room, "bob"));
        assert!(!book.connected(elsewhere, "bob"));
        book.loaded("bob", vec![stored("general", 5, 5), stored("random", 2, 1)]);
        book.viewing(in_room, "bob", "general", true);

        book.message("general", 60, 6, "alice");
        book.message("general", 70, 7, "alice");
        let out = book.flush(Instant::now());
        // Coalesced: one notice per connection, with the latest counts.
        assert_eq!(out.len(), 1);
        assert_eq!(unread_of(&out, elsewhere, "general"), Some(2));
        assert_eq!(out[0].1.last_message_id, 70);
        assert!(book.flush(Instant::now()).is_empty(), "nothing new since");

        // Bob's own message is read by him.
        book.message("general", 80, 8, "bob");
        assert_eq!(
            unread_of(&book.flush(Instant::now()), elsewhere, "general"),
            Some(0)
        );
    }

    #[test]
    fn reading_tells_the_other_connections_what_is_left_and_never_moves_back() {
        let mut book = Sidebars::default();
        let (a, b) = (Sid::new(), Sid::new());
        book.connected(a, "bob");
        book.connected(b, "bob");
        book.loaded("bob", vec![stored("general", 10, 2)]);
        let marker = ReadMarker {
            read_up_to: 80,
            read_seq: 8,
        };
        let told = book.read("bob", "general", marker, 10, Some(a));
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].0, b);
        assert_eq!(told[0].1.unread, 2);
        let back = ReadMarker {
            read_up_to: 30,
            read_seq: 3,
        };
        let told = book.read("bob", "general", back, 10, None);
        assert_eq!(told[0].1.read_up_to, 80);
    }

    #[test]
    fn leaving_and_disconnecting_forget_what_was_kept() {
        let mut book = Sidebars::default();
        let sid = Sid::new();
        book.connected(sid, "bob");
        book.loaded("bob", vec![stored("general", 1, 1), stored("random", 1, 1)]);
        assert_eq!(book.left("bob", "general"), vec![sid]);
        book.message("general", 20, 2, "alice");
        assert!(
            book.flush(Instant::now()).is_empty(),
            "not a member any more"
        );

        // A room added elsewhere shows up on the next load.
        let fresh = book.loaded("bob", vec![stored("random", 1, 1), stored("new", 3, 3)]);
        assert_eq!(unread_of(&fresh, sid, "new"), Some(0));

        book.disconnected(sid, "bob");
        assert!(!book.is_here("bob"));
        assert!(book.rooms.is_empty());
    }
}
