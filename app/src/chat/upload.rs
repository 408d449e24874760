//! Image uploads from the browser: `XMLHttpRequest`, because unlike `fetch`
//! it reports upload progress.

use crate::message::ChatMessage;
use crate::xhr::{SESSION_EXPIRED, send};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{File, FormData, ProgressEvent, XmlHttpRequest};

/// The formats the server accepts; anything else is refused before sending.
pub const ACCEPTED_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Why a file will not be uploaded, decided in the browser before sending.
pub fn precheck(file: &File, max_bytes: u64) -> Result<(), String> {
    if !ACCEPTED_TYPES.contains(&file.type_().as_str()) {
        return Err("Not a supported image: PNG, JPEG, GIF and WebP can be shared.".into());
    }
    if file.size() > max_bytes as f64 {
        return Err(format!(
            "Too big: {:.1} MB; images may be at most {:.0} MB.",
            file.size() / 1_048_576.0,
            max_bytes as f64 / 1_048_576.0
        ));
    }
    Ok(())
}

/// Posts `file` to the room's upload endpoint, reporting percent done, and
/// returns the stored message or a reason a person can act on.
pub async fn upload(
    room: &str,
    file: &File,
    client_id: &str,
    caption: Option<&str>,
    on_progress: impl Fn(u32) + 'static,
) -> Result<ChatMessage, String> {
    let network = |_| {
        "Upload failed: the network is unreachable. Check your connection and retry.".to_owned()
    };
    let form = FormData::new().map_err(network)?;
    form.append_with_str("client_id", client_id)
        .map_err(network)?;
    if let Some(caption) = caption {
        form.append_with_str("caption", caption).map_err(network)?;
    }
    form.append_with_blob_and_filename("image", file, &file.name())
        .map_err(network)?;

    let xhr = XmlHttpRequest::new().map_err(network)?;
    xhr.open("POST", &format!("/api/chat/{room}/images/"))
        .map_err(network)?;
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            on_progress((e.loaded() / e.total() * 100.0).round() as u32);
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let reply = send(&xhr, Some(&form)).await;
    drop(progress);
    let reply = reply.ok_or_else(|| network(wasm_bindgen::JsValue::NULL))?;

    let status = reply.status;
    if status == 200 || status == 201 {
        return serde_json::from_str(&reply.body)
            .map_err(|e| format!("Unexpected reply from the server: {e}"));
    }
    let reason = reply
        .error_message()
        .unwrap_or_else(|| format!("the server answered {status}"));
    Err(match status {
        413 => format!("Too big: {reason}."),
        415 => format!("Not accepted: {reason}."),
        401 => SESSION_EXPIRED.to_owned(),
        _ => format!("Upload failed: {reason}."),
    })
}
