//! Image files under `MEDIA_DIR/chat_images/`, named by the server and
//! written atomically: a reader sees a whole file or none.

use super::{Cleaned, Format};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder inside the media directory, and the URL path it is served at.
pub const IMAGE_DIR: &str = "chat_images";

/// Writes the image as `img_<unix>_<hex>.<ext>` and returns that name.
pub async fn save(media_dir: &Path, image: Cleaned) -> std::io::Result<String> {
    let dir = media_dir.join(IMAGE_DIR);
    let name = new_name(image.format)?;
    let bytes = image.bytes;
    let target = dir.join(&name);
    tokio::task::spawn_blocking(move || write_atomically(&dir, &target, &bytes))
        .await
        .map_err(std::io::Error::other)??;
    Ok(name)
}

/// Removes the stored image a message's `image` URL names
/// (`/media/chat_images/<name>`); anything else is left alone. A file
/// already gone is fine; other failures are logged (the message is deleted
/// either way).
pub async fn remove_stored(media_dir: &Path, url: &str) {
    let Some(name) = url
        .strip_prefix("/media/")
        .and_then(|rest| rest.strip_prefix(IMAGE_DIR))
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|name| is_stored_name(name))
    else {
        tracing::warn!(
            url,
            "a deleted message named an image that is not a stored one"
        );
        return;
    };
    match tokio::fs::remove_file(media_dir.join(IMAGE_DIR).join(name)).await {
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

    #[tokio::test]
    async fn saved_files_hold_exactly_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let image = Cleaned {
            format: Format::Gif,
            bytes: b"GIF89a...".to_vec(),
            width: 1,
            height: 1,
        };
        let name = save(dir.path(), image).await.unwrap();
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
