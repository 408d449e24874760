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
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => file.write_all(secret.as_bytes()).map_err(io_error)?,
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return load_or_create(None, data_dir);
        }
        Err(e) => return Err(io_error(e)),
    }
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(secret.into_bytes())
}
