//! The built browser bundle: where it lives and what its files are called.
//!
//! `scripts/build-site.sh` names each bundle file after its content
//! (`chat.<hash>.js`, `chat.<hash>.wasm`, `chat.<hash>.css`) and lists the
//! hashes in `hash.txt` at the site root, in the format cargo-leptos writes
//! (`js: <hash>` per line). Leptos's `HydrationScripts` reads the script
//! names from that file; the stylesheet's name is read here, once. A site
//! built without hashes (no `hash.txt`) is served under the plain names.

use crate::config::Config;
use leptos::config::LeptosOptions;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The hash list's name, at the site root.
const HASH_FILE: &str = "hash.txt";

/// What pages need to know of the bundle.
#[derive(Clone)]
pub struct Site {
    pub options: LeptosOptions,
    /// The stylesheet's path, e.g. `/pkg/chat.0a1b….css`.
    pub stylesheet: Arc<str>,
}

impl Site {
    pub fn load(config: &Config, addr: SocketAddr) -> Self {
        let builder = LeptosOptions::builder()
            .output_name(config.output_name.as_str())
            .site_root(config.site_root.display().to_string())
            .site_addr(addr);
        let hashes = config.site_root.join(HASH_FILE);
        let css_hash = std::fs::read_to_string(&hashes)
            .ok()
            .and_then(|list| hash_of(&list, "css"));
        let options = match absolute(&hashes) {
            // Leptos resolves a relative hash file against the executable's
            // directory, so it gets an absolute path.
            Some(path) if hashes.is_file() => {
                builder.hash_files(true).hash_file(Arc::from(path)).build()
            }
            _ => builder.build(),
        };
        let stylesheet = match css_hash {
            Some(hash) => format!(
                "/{}/{}.{hash}.css",
                options.site_pkg_dir, options.output_name
            ),
            None => format!("/{}/{}.css", options.site_pkg_dir, options.output_name),
        };
        Self {
            options,
            stylesheet: stylesheet.into(),
        }
    }
}

fn absolute(path: &Path) -> Option<String> {
    let path = std::path::absolute(path).ok()?;
    Some(path.to_str()?.to_owned())
}

/// The hash listed for `kind` (`js`, `wasm`, `css`) in a `hash.txt`.
fn hash_of(list: &str, kind: &str) -> Option<String> {
    list.lines().find_map(|line| {
        let (name, hash) = line.split_once(':')?;
        let hash = hash.trim();
        let plain = !hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric());
        (name.trim() == kind && plain).then(|| hash.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::hash_of;

    #[test]
    fn reads_each_files_hash_from_the_list() {
        let list = "js: 0a1b2c\nwasm: 3d4e5f\ncss: 9f8e7d\n";
        assert_eq!(hash_of(list, "js").as_deref(), Some("0a1b2c"));
        assert_eq!(hash_of(list, "css").as_deref(), Some("9f8e7d"));
        assert_eq!(hash_of("css: ../evil\n", "css"), None);
        assert_eq!(hash_of("js: 0a1b2c\n", "css"), None);
    }
}
