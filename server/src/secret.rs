//! The session-signing secret: from the configuration, or generated once and
//! kept in the data directory so sessions survive restarts; and the way any
//! such generated file is written ([`create_once`]).

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
    match create_once(data_dir, FILE_NAME, secret.as_bytes()).map_err(io_error)? {
        Created::Here => {
            tracing::info!(path = %path.display(), "generated a new secret key");
            Ok(secret.into_bytes())
        }
        // Another process created it first: use theirs.
        Created::Elsewhere => load_or_create(None, data_dir),
    }
}

/// Who wrote a file that is generated once.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    /// This call did.
    Here,
    /// It existed already (another process got there first).
    Elsewhere,
}

/// Creates `dir/name` holding `contents`, readable by its owner alone,
/// unless it exists. Written whole and flushed to disk under a temporary
/// name, then linked into place (which fails if the file exists): a crash
/// leaves either no file or a complete one, never an empty file that stops
/// the server.
pub fn create_once(dir: &Path, name: &str, contents: &[u8]) -> std::io::Result<Created> {
    let mut tag = [0u8; 4];
    getrandom::fill(&mut tag).map_err(std::io::Error::other)?;
    let partial = dir.join(format!("{name}.{}.tmp", hex::encode(tag)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&partial).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&partial, dir.join(name)));
    let _ = std::fs::remove_file(&partial);
    match linked {
        Ok(()) => {
            sync_dir(dir)?;
            Ok(Created::Here)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Created::Elsewhere),
        Err(e) => Err(e),
    }
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
