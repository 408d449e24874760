//! The session-signing secret: from the configuration, or generated once and
//! kept in the data directory so sessions survive restarts.

use std::io::Write;
use std::path::Path;

const FILE_NAME: &str = "secret_key";
const MIN_LEN: usize = 32;

/// Why no secret could be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("SECRET_KEY must be at least {MIN_LEN} characters")]
    TooShort,
    #[error("secret key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("no randomness available: {0}")]
    Random(#[from] getrandom::Error),
}

/// The configured secret, or the one stored in `data_dir` (created if absent).
pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, SecretError> {
    if let Some(secret) = configured {
        if secret.len() < MIN_LEN {
            return Err(SecretError::TooShort);
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join(FILE_NAME);
    let io_error = |source| SecretError::Io {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(stored) if stored.trim().len() >= MIN_LEN => {
            return Ok(stored.trim().as_bytes().to_vec());
        }
        Ok(_) => return Err(SecretError::TooShort),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(e)),
        Err(_) => {}
    }

    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let secret = hex::encode(bytes);
    // Written whole and flushed to disk under a temporary name, then linked
    // into place (which fails if the file exists): a crash leaves either no
    // key or a complete one, never an empty file that stops the server.
    let partial = data_dir.join(format!("{FILE_NAME}.{}.tmp", hex::encode(&bytes[..4])));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&partial).and_then(|mut file| {
        file.write_all(secret.as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&partial, &path));
    let _ = std::fs::remove_file(&partial);
    match linked {
        Ok(()) => sync_dir(data_dir).map_err(io_error)?,
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return load_or_create(None, data_dir);
        }
        Err(e) => return Err(io_error(e)),
    }
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(secret.into_bytes())
}

/// Makes a new directory entry durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(None, dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create(None, dir.path()).unwrap(), first);
        // Only the key is left behind, readable by its owner alone.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [FILE_NAME]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_configured_key_must_be_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            load_or_create(Some("short"), dir.path()),
            Err(SecretError::TooShort)
        ));
        let key = "k".repeat(32);
        assert_eq!(
            load_or_create(Some(&key), dir.path()).unwrap(),
            key.as_bytes()
        );
    }
}
