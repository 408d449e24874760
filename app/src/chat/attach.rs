//! Sharing images: picked, pasted or dropped files show at once from a local
//! preview, upload with progress, and turn into the stored image.

use super::live::Live;
use leptos::prelude::*;

impl Live {
    /// Starts uploading every image a file input, paste or drop event
    /// carries; `caption` goes with the first. Returns whether there were
    /// any files (so a paste of plain text is left alone).
    pub fn attach_files(self, event: &leptos::ev::Event, caption: Option<String>) -> bool {
        #[cfg(feature = "hydrate")]
        {
            let files = browser::files_of(event);
            let found = !files.is_empty();
            let mut caption = caption;
            for file in files {
                self.attach(file, caption.take());
            }
            found
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (event, caption);
            false
        }
    }

    /// Forgets a file that will not be uploaded and frees its preview.
    pub(super) fn forget_upload(self, client_id: &str, preview: Option<String>) {
        self.progress.update(|p| {
            p.remove(client_id);
        });
        #[cfg(feature = "hydrate")]
        {
            self.files.update_value(|files| {
                files.remove(client_id);
            });
            if let Some(url) = preview.filter(|u| u.starts_with("blob:")) {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = preview;
    }

    #[cfg(not(feature = "hydrate"))]
    pub(super) fn reupload(self, _client_id: String, _caption: Option<String>) {}
}

#[cfg(feature = "hydrate")]
impl Live {
    fn attach(self, file: web_sys::File, caption: Option<String>) {
        let client_id = super::client_id::new_client_id();
        let preview = web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default();
        let me = self.me.get_value();
        self.feed
            .update(|f| f.push_pending_image(&me, &preview, caption.as_deref(), &client_id));
        if let Err(reason) = super::upload::precheck(&file, self.max_upload_bytes) {
            self.feed.update(|f| f.mark_failed(&client_id, &reason));
            return;
        }
        self.files.update_value(|files| {
            files.insert(client_id.clone(), file);
        });
        self.reupload(client_id, caption);
    }

    /// Uploads the kept file of `client_id` (again).
    pub(super) fn reupload(self, client_id: String, caption: Option<String>) {
        let Some(file) = self
            .files
            .with_value(|files| files.get(&client_id).cloned())
        else {
            self.feed
                .update(|f| f.mark_failed(&client_id, "The file is no longer available."));
            return;
        };
        let progress = self.progress;
        progress.update(|p| {
            p.insert(client_id.clone(), 0);
        });
        leptos::task::spawn_local(async move {
            let id = client_id.clone();
            let on_progress = move |percent| {
                progress.update(|p| {
                    p.insert(id.clone(), percent);
                })
            };
            // The room it was shared in, even if the reader moves on
            // before it is stored.
            let room = self.room.get_untracked();
            let outcome =
                super::upload::upload(&room, &file, &client_id, caption.as_deref(), on_progress)
                    .await;
            match outcome {
                Ok(message) => {
                    let mut preview = None;
                    self.in_room(&room, |f| {
                        preview = f.preview_of(&client_id);
                        f.insert(message);
                    });
                    self.forget_upload(&client_id, preview);
                }
                Err(reason) => {
                    progress.update(|p| {
                        p.remove(&client_id);
                    });
                    self.in_room(&room, |f| f.mark_failed(&client_id, &reason));
                }
            }
        });
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast;
    use web_sys::{ClipboardEvent, DragEvent, File, FileList, HtmlInputElement};

    /// The files an input change, paste or drop carries.
    pub fn files_of(event: &web_sys::Event) -> Vec<File> {
        let list: Option<FileList> = if let Some(drop) = event.dyn_ref::<DragEvent>() {
            drop.data_transfer().and_then(|d| d.files())
        } else if let Some(paste) = event.dyn_ref::<ClipboardEvent>() {
            paste.clipboard_data().and_then(|d| d.files())
        } else {
            event
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|i| i.files())
        };
        let Some(list) = list else { return Vec::new() };
        (0..list.length()).filter_map(|i| list.item(i)).collect()
    }
}
