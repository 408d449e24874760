//! The VAPID key pair Web Push requests are signed with (RFC 8292): from
//! `VAPID_PRIVATE_KEY`, or generated once into the data directory, so that
//! browsers' subscriptions (made with its public key) outlive restarts and
//! are valid on every node that shares it.

use crate::secret::{Created, create_once};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::path::Path;
use web_push::{PartialVapidSignatureBuilder, VapidSignatureBuilder};

const FILE_NAME: &str = "vapid_private_key";

/// Why there is no VAPID key.
#[derive(Debug, thiserror::Error)]
pub enum VapidError {
    #[error("VAPID_PRIVATE_KEY must be a P-256 private key: 32 bytes, base64url without padding")]
    Invalid,
    #[error("VAPID key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("no randomness available: {0}")]
    Random(#[from] getrandom::Error),
}

/// The key pair, ready to sign with.
#[derive(Clone)]
pub struct VapidKey {
    signer: PartialVapidSignatureBuilder,
    /// The public key, uncompressed and base64url: what browsers subscribe
    /// with (`applicationServerKey`).
    public_key: String,
}

impl VapidKey {
    fn parse(private_key: &str) -> Result<Self, VapidError> {
        let signer = VapidSignatureBuilder::from_base64_no_sub(private_key.trim())
            .map_err(|_| VapidError::Invalid)?;
        let public_key = URL_SAFE_NO_PAD.encode(signer.get_public_key());
        Ok(VapidKey { signer, public_key })
    }

    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// A signer for one subscription.
    pub fn signer(&self) -> PartialVapidSignatureBuilder {
        self.signer.clone()
    }

    /// The configured key, or the one stored in `data_dir` (created if
    /// absent).
    pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> Result<Self, VapidError> {
        if let Some(key) = configured {
            return Self::parse(key);
        }
        let path = data_dir.join(FILE_NAME);
        let io_error = |source| VapidError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(stored) => return Self::parse(&stored),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(e)),
            Err(_) => {}
        }
        let (key, encoded) = generate()?;
        match create_once(data_dir, FILE_NAME, encoded.as_bytes()).map_err(io_error)? {
            Created::Here => {
                tracing::info!(path = %path.display(), "generated a VAPID key for Web Push");
                Ok(key)
            }
            Created::Elsewhere => Self::load_or_create(None, data_dir),
        }
    }
}

/// A new private key and its encoding. A random 32-byte string is a valid
/// P-256 key unless it is zero or beyond the group order (a chance of about
/// one in 2^32), so drawing again until one parses ends at once.
fn generate() -> Result<(VapidKey, String), VapidError> {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        let encoded = URL_SAFE_NO_PAD.encode(bytes);
        if let Ok(key) = VapidKey::parse(&encoded) {
            return Ok((key, encoded));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = VapidKey::load_or_create(None, dir.path()).unwrap();
        let again = VapidKey::load_or_create(None, dir.path()).unwrap();
        assert_eq!(first.public_key(), again.public_key());
        // An uncompressed P-256 point: 65 bytes starting with 4.
        let point = URL_SAFE_NO_PAD.decode(first.public_key()).unwrap();
        assert_eq!((point.len(), point[0]), (65, 4));
    }

    #[test]
    fn a_configured_key_must_be_a_p256_key() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            VapidKey::load_or_create(Some("not a key"), dir.path()),
            Err(VapidError::Invalid)
        ));
        let (_, encoded) = generate().unwrap();
        let configured = VapidKey::load_or_create(Some(&encoded), dir.path()).unwrap();
        assert_eq!(
            configured.public_key(),
            VapidKey::parse(&encoded).unwrap().public_key()
        );
        // Nothing is generated when a key is configured.
        assert!(!dir.path().join(FILE_NAME).exists());
    }
}
