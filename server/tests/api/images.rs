use crate::backends;
use crate::helpers::{TestApp, assert_refused, spawn_app, spawn_app_with};
use chat_core::store::Backend;
use image::{ImageFormat, RgbImage};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, HeaderMap};
use reqwest::multipart::{Form, Part};
use rstest_reuse::apply;
use serde_json::{Value, json};
use std::io::Cursor;
use std::time::Duration;

/// A small picture encoded as `format`.
fn picture(format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 8) as u8, 120])
    });
    let mut bytes = Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, format)
        .expect("encode test image");
    bytes.into_inner()
}

pub(crate) fn png() -> Vec<u8> {
    picture(ImageFormat::Png)
}

/// A PNG chunk with its CRC.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let crc = crc32(&c[4..]);
    c.extend_from_slice(&crc.to_be_bytes());
    c
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header claims 100000×100000 pixels: a decompression bomb.
fn bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

/// A JPEG carrying EXIF with a GPS position and orientation 6 (rotated).
fn jpeg_with_gps() -> Vec<u8> {
    let plain = picture(ImageFormat::Jpeg);
    let mut tiff = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x02".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x26, 0, 0, 0, 0]);
    tiff.extend_from_slice(b"GPSLatitude 52.52N GPSLongitude 13.40E");
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((tiff.len() + 2) as u16).to_be_bytes());
    app1.extend(tiff);
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend(app1);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

/// Uploads as one signed-in person.
pub(crate) struct Uploader<'a> {
    app: &'a TestApp,
    token: String,
}

impl Uploader<'_> {
    async fn new<'a>(app: &'a TestApp, user: &str, room: &str) -> Uploader<'a> {
        let token = app.login(user, room).await;
        Uploader { app, token }
    }

    /// Uploads as the holder of `token`.
    pub(crate) fn holding<'a>(app: &'a TestApp, token: &str) -> Uploader<'a> {
        Uploader {
            app,
            token: token.to_owned(),
        }
    }

    async fn post(&self, room: &str, form: Form) -> (StatusCode, Value) {
        let response = self
            .app
            .http
            .post(self.app.url(&format!("/api/chat/{room}/images/")))
            .header(COOKIE, format!("chat_session={}", self.token))
            .multipart(form)
            .send()
            .await
            .expect("upload request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn upload(
        &self,
        room: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        self.post(
            room,
            Form::new().part("image", Part::bytes(bytes).file_name(file_name.to_owned())),
        )
        .await
    }

    async fn get(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self.app.get(path, None).await;
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }
}

fn stored_files(app: &TestApp) -> Vec<String> {
    match std::fs::read_dir(app.media_dir.join("chat_images")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[apply(backends)]
#[tokio::test]
async fn each_allowed_format_is_stored_broadcast_and_served_back_as_stored(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = Uploader::new(&app, "Alice", "pics").await;
    let mut watcher = app.socket(&app.login("Bob", "pics").await).await;
    watcher.join("pics").await;

    for (format, ext, mime) in [
        (ImageFormat::Png, "png", "image/png"),
        (ImageFormat::Jpeg, "jpg", "image/jpeg"),
        (ImageFormat::Gif, "gif", "image/gif"),
        (ImageFormat::WebP, "webp", "image/webp"),
    ] {
        // The declared name and type are ignored: only the bytes count.
        let (status, message) = me.upload("pics", "holiday.bin", picture(format)).await;
        assert_eq!(status, StatusCode::CREATED, "{ext}: {message}");
        assert_eq!(message["content_type"], "image");
        assert_eq!(message["username"], "Alice");
        assert_eq!(message["content"], Value::Null);
        let url = message["image"].as_str().unwrap();
        let name = url.strip_prefix("/media/chat_images/").expect("image URL");
        assert!(
            name.starts_with("img_") && name.ends_with(&format!(".{ext}")),
            "{url}"
        );
        assert_eq!(
            watcher.next_event("message").await,
            message,
            "not broadcast"
        );

        let (status, headers, body) = me.get(url).await;
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_TYPE], mime);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        // The reader's browser keeps it; shared caches do not, so a
        // deleted message's image is gone for everyone once removed.
        assert_eq!(
            headers[CACHE_CONTROL],
            "private, max-age=31536000, immutable"
        );
        let on_disk = std::fs::read(app.media_dir.join("chat_images").join(name)).unwrap();
        assert_eq!(body, on_disk, "served bytes differ from the stored file");
        image::load_from_memory(&body).expect("the stored image decodes");
    }
}

#[apply(backends)]
#[tokio::test]
async fn location_metadata_is_removed_and_orientation_kept(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = Uploader::new(&app, "Alice", "pics").await;
    let original = jpeg_with_gps();
    assert!(original.windows(11).any(|w| w == b"GPSLatitude"));

    let (status, message) = me.upload("pics", "photo.jpg", original).await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    let (_, _, stored) = me.get(message["image"].as_str().unwrap()).await;
    assert!(!stored.windows(3).any(|w| w == b"GPS"), "GPS data survived");
    assert!(
        stored.windows(6).any(|w| w == b"Exif\0\0"),
        "orientation dropped"
    );
    let rotated = image::load_from_memory(&stored).unwrap();
    assert_eq!((rotated.width(), rotated.height()), (40, 30));
}

#[apply(backends)]
#[tokio::test]
async fn an_upload_repeated_with_its_client_id_is_stored_once(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = Uploader::new(&app, "Alice", "pics").await;
    let form = || {
        Form::new()
            .text("client_id", "up-1")
            .text("caption", "  sunset  ")
            .part("image", Part::bytes(png()).file_name("a.png"))
    };
    let (first_status, first) = me.post("pics", form()).await;
    let (second_status, second) = me.post("pics", form()).await;
    assert_eq!(first_status, StatusCode::CREATED);
    assert_eq!(second_status, StatusCode::OK);
    assert_eq!(first, second);
    assert_eq!(first["content"], "sunset");
    assert_eq!(first["client_id"], "up-1");
    assert_eq!(stored_files(&app).len(), 1);
}

#[apply(backends)]
#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing_behind(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = Uploader::new(&app, "Alice", "pics").await;
    let mut polyglot = png();
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let mut text_chunk_polyglot = png();
    let iend = text_chunk_polyglot.len() - 12;
    text_chunk_polyglot.splice(
        iend..iend,
        png_chunk(b"tEXt", b"Comment\0<script>alert(1)</script>"),
    );
    let full_png = png();
    let full_jpeg = picture(ImageFormat::Jpeg);

    let cases: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "text renamed .png",
            "notes.png",
            b"just some text, honest".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
        ),
        (
            "an HTML page",
            "page.png",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
        ),
        (
            "an SVG",
            "vector.svg",
            br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
        ),
        (
            "PNG with HTML appended",
            "poly.png",
            polyglot,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
        ),
        (
            "PNG with script in a text chunk",
            "poly2.png",
            text_chunk_polyglot,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
        ),
        (
            "truncated PNG",
            "half.png",
            full_png[..full_png.len() / 2].to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
        ),
        (
            "truncated JPEG",
            "half.jpg",
            full_jpeg[..full_jpeg.len() * 2 / 3].to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
        ),
        (
            "decompression bomb",
            "bomb.png",
            bomb(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "traversal file name",
            "../../../etc/evil.png",
            png(),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "empty file",
            "empty.png",
            Vec::new(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported",
        ),
    ];
    for (what, file_name, bytes, status, code) in cases {
        let (got, body) = me.upload("pics", file_name, bytes).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
    }

    // Over the size limit, declared up front and streamed without a length.
    let big = vec![0u8; 11 * 1024 * 1024];
    let (got, body) = me.upload("pics", "big.png", big.clone()).await;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let stream = Part::stream(reqwest::Body::wrap_stream(futures::stream::iter(
        big.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    )))
    .file_name("big.png");
    let (got, body) = me.post("pics", Form::new().part("image", stream)).await;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    // Wrong room, no image, no session.
    let (got, _) = me.upload("nowhere", "a.png", png()).await;
    assert_eq!(got, StatusCode::NOT_FOUND);
    let (got, body) = me
        .post("pics", Form::new().text("caption", "no file"))
        .await;
    assert_eq!(
        (got, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );
    // A caption over the length limit is `too_long`, as on the socket.
    let long = "x".repeat(protocol::names::DEFAULT_MESSAGE_MAX_CHARS + 1);
    let (got, body) = me
        .post(
            "pics",
            Form::new()
                .text("caption", long)
                .part("image", Part::bytes(png()).file_name("a.png")),
        )
        .await;
    assert_eq!(
        (got, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("too_long"))
    );
    let anonymous = app
        .http
        .post(app.url("/api/chat/pics/images/"))
        .multipart(Form::new().part("image", Part::bytes(png()).file_name("a.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    assert_eq!(
        stored_files(&app),
        Vec::<String>::new(),
        "files were written"
    );
    let socket = app.socket(&app.login("Alice", "pics").await).await;
    assert_eq!(
        socket.join("pics").await["messages"],
        serde_json::json!([]),
        "messages were stored"
    );
    assert_refused(&socket.send("nowhere", "x").await, "not_joined");
}

#[apply(backends)]
#[tokio::test]
async fn only_stored_images_are_served(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = Uploader::new(&app, "Alice", "pics").await;
    std::fs::write(app.media_dir.join("not-an-upload.txt"), "private").unwrap();
    for path in [
        "/media/chat_images/",
        "/media/chat_images/..%2Fnot-an-upload.txt",
        "/media/chat_images/..%2F..%2Fsecret_key",
        "/media/chat_images/img_1_ff.png",
        "/media/not-an-upload.txt",
    ] {
        let (status, _, body) = me.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            !String::from_utf8_lossy(&body).contains("private"),
            "{path} leaked a file"
        );
    }
}

#[apply(backends)]
#[tokio::test]
async fn image_messages_appear_in_the_page_and_in_history(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = Uploader::new(&app, "Alice", "pics").await;
    let (_, message) = me
        .post(
            "pics",
            Form::new()
                .text("caption", "<b>cat</b>")
                .part("image", Part::bytes(png()).file_name("cat.png")),
        )
        .await;
    let url = message["image"].as_str().unwrap();

    let html = app
        .get("/chat/pics/", Some(&me.token))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!(r#"src="{url}""#)),
        "image missing from the page"
    );
    assert!(
        html.contains("&lt;b&gt;cat&lt;/b&gt;"),
        "caption not escaped"
    );
    let history: Value = app
        .get("/chat/pics/history/", Some(&me.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["messages"][0], message);
}

#[apply(backends)]
#[tokio::test]
async fn an_image_upload_ends_its_senders_typing_like_a_text_message(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = Uploader::new(&app, "Alice", "pics").await;
    let alice = app.socket(&me.token).await;
    alice.join("pics").await;
    let mut bob = app.socket(&app.login("Bob", "pics").await).await;
    bob.join("pics").await;

    let typing = json!({"room": "pics", "typing": true});
    assert_eq!(alice.ack("typing", typing).await["ok"], true);
    assert_eq!(bob.next_event("typing").await["typing"], true);

    let (status, message) = me.upload("pics", "cat.png", png()).await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    // Bob sees the picture, and Alice's typing ends with it, well before
    // it would have expired by itself (five seconds after it started).
    assert_eq!(bob.next_event("message").await, message);
    let stopped = tokio::time::timeout(Duration::from_secs(2), bob.next_event("typing"))
        .await
        .expect("typing did not end with the upload");
    assert_eq!(
        stopped,
        json!({"room": "pics", "username": "Alice", "typing": false})
    );
}

/// A picture that is large in pixels and small in bytes (one colour).
fn big_flat_png(side: u32) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(image::GrayImage::new(side, side))
        .write_to(&mut bytes, ImageFormat::Png)
        .expect("encode test image");
    bytes.into_inner()
}

/// Reads one number from `/metrics`.
async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = app.get("/metrics", None).await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} is not in /metrics"))
        .parse()
        .unwrap()
}

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_uploads_decode_within_the_pixel_budget(#[case] backend: Backend) {
    // Room for one 1500×1500 picture at a time, not two.
    let Some(app) =
        spawn_app_with(backend, |config| config.decode_pixels_in_flight = 3_000_000).await
    else {
        return;
    };
    let picture = big_flat_png(1500);
    let mut uploaders = Vec::new();
    for i in 0..6 {
        uploaders.push(Uploader::new(&app, &format!("user{i}"), "pics").await);
    }
    let uploads = uploaders
        .iter()
        .map(|u| u.upload("pics", "big.png", picture.clone()));
    for (status, body) in futures::future::join_all(uploads).await {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let peak = metric(&app, "chat_image_decode_pixels_peak").await;
    assert_eq!(peak, 1500 * 1500, "decodes overlapped");
    assert_eq!(metric(&app, "chat_image_decode_pixels").await, 0);

    // A picture larger than the whole budget cannot wait for it.
    let me = Uploader::new(&app, "Zed", "pics").await;
    let (status, body) = me.upload("pics", "huge.png", big_flat_png(2000)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
}

#[apply(backends)]
#[tokio::test]
async fn long_animations_are_refused_and_pixels_spelling_markup_are_not(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let me = Uploader::new(&app, "Alice", "pics").await;

    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        let frame = image::Frame::new(image::RgbaImage::new(1, 1));
        encoder
            .encode_frames(std::iter::repeat_n(frame, 2_500))
            .unwrap();
    }
    let (status, body) = me.upload("pics", "long.gif", gif).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("frames")
    );

    // Uncompressed pixel data that happens to read `<svg`: an image.
    let (status, body) = me.upload("pics", "lucky.png", png_spelling_svg()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// A 4×1 grey PNG stored without compression whose pixels are `<svg`.
fn png_spelling_svg() -> Vec<u8> {
    let row = b"\0<svg";
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&(row.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(row.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(row);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in row {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &[0, 0, 0, 4, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    png.extend(png_chunk(b"IDAT", &zlib));
    png.extend(png_chunk(b"IEND", &[]));
    png
}
