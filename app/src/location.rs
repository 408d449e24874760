//! The address of the page being drawn: the request's on the server, the
//! window's in the browser. Every page of the chat is loaded whole (its
//! links and forms go to the server), so the app needs no client-side
//! router, and the bundle carries none.

/// Which page an address shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// `/`: the login form.
    Login,
    /// `/chat/<room>/`, with the room as written in the address.
    Room(String),
    NotFound,
}

/// The page's address: its path, and its query decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    query: Vec<(String, String)>,
}

impl Location {
    /// The address of the page being drawn.
    pub fn current() -> Self {
        #[cfg(feature = "ssr")]
        {
            let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else {
                return Location::default();
            };
            Location::parse(parts.uri.path(), parts.uri.query().unwrap_or_default())
        }
        #[cfg(not(feature = "ssr"))]
        {
            let location = leptos::prelude::window().location();
            let path = location.pathname().unwrap_or_default();
            let search = location.search().unwrap_or_default();
            Location::parse(&path, search.trim_start_matches('?'))
        }
    }

    fn parse(path: &str, query: &str) -> Self {
        Location {
            path: path.to_owned(),
            query: form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// The query parameter `key`, if the address has it.
    pub fn param(&self, key: &str) -> Option<String> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// Which page this address shows.
    pub fn page(&self) -> Page {
        if self.path == "/" {
            return Page::Login;
        }
        let room = self
            .path
            .strip_prefix("/chat/")
            .and_then(|rest| rest.strip_suffix('/'))
            .filter(|room| !room.is_empty() && !room.contains('/'));
        match room {
            Some(room) => Page::Room(
                percent_encoding::percent_decode_str(room)
                    .decode_utf8_lossy()
                    .into_owned(),
            ),
            None => Page::NotFound,
        }
    }
}

/// The address of `room`'s page, `/chat/<room>/`, with non-ASCII letters
/// percent-encoded: what [`Location::page`] reads back as that room.
pub fn room_path(room: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(room, percent_encoding::CONTROLS);
    format!("/chat/{encoded}/")
}

#[cfg(test)]
mod tests {
    use super::{Location, Page, room_path};

    #[test]
    fn a_room_path_names_its_room() {
        for room in ["general", "café", "a.b-c_d"] {
            let path = room_path(room);
            assert_eq!(Location::parse(&path, "").page(), Page::Room(room.into()));
        }
        assert_eq!(room_path("café"), "/chat/caf%C3%A9/");
    }

    #[test]
    fn addresses_name_their_pages() {
        let page = |path: &str| Location::parse(path, "").page();
        assert_eq!(page("/"), Page::Login);
        assert_eq!(page("/chat/general/"), Page::Room("general".into()));
        assert_eq!(page("/chat/caf%C3%A9/"), Page::Room("café".into()));
        assert_eq!(page("/chat/general"), Page::NotFound);
        assert_eq!(page("/chat//"), Page::NotFound);
        assert_eq!(page("/chat/a/b/"), Page::NotFound);
        assert_eq!(page("/elsewhere"), Page::NotFound);
    }

    #[test]
    fn query_parameters_are_decoded() {
        let location = Location::parse("/", "username=Al+ice&banned=banned%20until%20x&empty=");
        assert_eq!(location.param("username").as_deref(), Some("Al ice"));
        assert_eq!(location.param("banned").as_deref(), Some("banned until x"));
        assert_eq!(location.param("empty").as_deref(), Some(""));
        assert_eq!(location.param("missing"), None);
    }
}
