//! Image files under the media directory, named by the server and written
//! atomically: a reader sees a whole file or none. Public rooms' images are
//! under `chat_images/`, served to anyone with the link (and cached);
//! private rooms' under `private_images/<room>/`, served only to the
//! room's members.

use super::{Cleaned, Format};
use protocol::names::RoomName;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder of public rooms' images in the media directory, and the URL
/// path it is served at.
pub const IMAGE_DIR: &str = "chat_images";

/// The folder of private rooms' images (one folder per room), and the URL
/// path they are served at.
pub const PRIVATE_IMAGE_DIR: &str = "private_images";

/// Where a room's images are kept and served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shelf {
    Public,
    /// A private room's, by the room's name in hex: a path segment of
    /// nothing but `0-9a-f` whatever characters the name has.
    Private(String),
}

impl Shelf {
    /// The shelf of `room`'s images.
    pub fn of(room: &RoomName, private: bool) -> Self {
        if private {
            Shelf::Private(hex::encode(room.as_str()))
        } else {
            Shelf::Public
        }
    }

    /// The room a private shelf's URL segment names, if it is one.
    pub fn room_of(segment: &str) -> Option<RoomName> {
        let bytes = hex::decode(segment).ok()?;
        RoomName::parse(std::str::from_utf8(&bytes).ok()?).ok()
    }

    fn dir(&self, media_dir: &Path) -> PathBuf {
        match self {
            Shelf::Public => media_dir.join(IMAGE_DIR),
            Shelf::Private(room) => media_dir.join(PRIVATE_IMAGE_DIR).join(room),
        }
    }

    /// The path of the stored image `name`.
    pub fn file(&self, media_dir: &Path, name: &str) -> PathBuf {
        self.dir(media_dir).join(name)
    }

    /// The URL the stored image `name` is served at.
    pub fn url(&self, name: &str) -> String {
        match self {
            Shelf::Public => format!("/media/{IMAGE_DIR}/{name}"),
            Shelf::Private(room) => format!("/media/{PRIVATE_IMAGE_DIR}/{room}/{name}"),
        }
    }

    /// The shelf and file name a stored image's URL names, if it names one.
    fn parse_url(url: &str) -> Option<(Shelf, &str)> {
        let rest = url.strip_prefix("/media/")?;
        let (shelf, name) = match rest.strip_prefix(PRIVATE_IMAGE_DIR) {
            Some(private) => {
                let (room, name) = private.strip_prefix('/')?.split_once('/')?;
                Shelf::room_of(room)?;
                (Shelf::Private(room.to_owned()), name)
            }
            None => (
                Shelf::Public,
                rest.strip_prefix(IMAGE_DIR)?.strip_prefix('/')?,
            ),
        };
        is_stored_name(name).then_some((shelf, name))
    }
}

/// Writes the image as `img_<unix>_<hex>.<ext>` on `shelf` and returns that
/// name.
pub async fn save(media_dir: &Path, shelf: &Shelf, image: Cleaned) -> std::io::Result<String> {
    let dir = shelf.dir(media_dir);
    let name = new_name(image.format)?;
    let bytes = image.bytes;
    let target = dir.join(&name);
    tokio::task::spawn_blocking(move || write_atomically(&dir, &target, &bytes))
        .await
        .map_err(std::io::Error::other)??;
    Ok(name)
}

/// Removes the stored image a message's `image` URL names (see
/// [`Shelf::url`]); anything else is left alone. A file already gone is
/// fine; other failures are logged (the message is deleted either way).
pub async fn remove_stored(media_dir: &Path, url: &str) {
    let Some((shelf, name)) = Shelf::parse_url(url) else {
        tracing::warn!(
            url,
            "a deleted message named an image that is not a stored one"
        );
        return;
    };
    match tokio::fs::remove_file(shelf.file(media_dir, name)).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::error!(error = %e, name, "removing a deleted message's image failed"),
    }
}

fn new_name(format: Format) -> std::io::Result<String> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(std::io::Error::other)?;
    let unix = chrono::Utc::now().timestamp();
    Ok(format!(
        "img_{unix}_{}.{}",
        hex::encode(random),
        format.extension()
    ))
}

fn write_atomically(dir: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let temp: PathBuf = dir.join(format!(
        ".upload-{}",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("image")
    ));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, target)?;
        // The rename itself is durable once the directory is synced.
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Whether `name` is one the server could have given a stored image:
/// `img_<digits>_<hex>.<png|jpg|gif|webp>`. Anything else (traversal,
/// temp files, other folders) is never served.
pub fn is_stored_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("img_") else {
        return false;
    };
    let Some((stem, ext)) = rest.rsplit_once('.') else {
        return false;
    };
    let Some((unix, random)) = stem.split_once('_') else {
        return false;
    };
    matches!(ext, "png" | "jpg" | "gif" | "webp")
        && !unix.is_empty()
        && unix.bytes().all(|b| b.is_ascii_digit())
        && !random.is_empty()
        && random
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_names_are_servable() {
        assert!(is_stored_name("img_1732412345_0a1b2c3d4e5f6789.png"));
        assert!(is_stored_name("img_1_ff.webp"));
        for bad in [
            "../secret_key",
            "img_1_ff.png/../../x",
            "img_1_FF.png",
            "img_1_ff.svg",
            "img__ff.png",
            "img_1_.png",
            ".upload-img_1_ff.png",
            "img_1_ff.png.html",
            "",
        ] {
            assert!(!is_stored_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_private_shelf_is_one_plain_folder_per_room_whatever_its_name() {
        for raw in ["general", "ünïcödé", "a.b-c_d"] {
            let room = RoomName::parse(raw).unwrap();
            let shelf = Shelf::of(&room, true);
            let url = shelf.url("img_1_ff.png");
            let segment = url.split('/').nth(3).unwrap();
            assert!(segment.bytes().all(|b| b.is_ascii_hexdigit()), "{url}");
            assert_eq!(Shelf::room_of(segment), Some(room));
            assert_eq!(Shelf::parse_url(&url), Some((shelf, "img_1_ff.png")));
        }
        assert_eq!(
            Shelf::parse_url("/media/chat_images/img_1_ff.png"),
            Some((Shelf::Public, "img_1_ff.png"))
        );
        for bad in [
            "/media/private_images/zz/img_1_ff.png",
            "/media/private_images/6162/../img_1_ff.png",
            "/media/private_images/img_1_ff.png",
            "/media/chat_images/../img_1_ff.png",
        ] {
            assert_eq!(Shelf::parse_url(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn saved_files_hold_exactly_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let image = Cleaned {
            format: Format::Gif,
            bytes: b"GIF89a...".to_vec(),
            width: 1,
            height: 1,
        };
        let name = save(dir.path(), &Shelf::Public, image).await.unwrap();
        assert!(is_stored_name(&name), "{name}");
        assert!(name.ends_with(".gif"));
        let stored = std::fs::read(dir.path().join(IMAGE_DIR).join(&name)).unwrap();
        assert_eq!(stored, b"GIF89a...");
        let leftovers = std::fs::read_dir(dir.path().join(IMAGE_DIR))
            .unwrap()
            .count();
        assert_eq!(leftovers, 1, "a temp file was left behind");
    }
}
