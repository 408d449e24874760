//! Staff accounts: created, their passwords changed and checked, their
//! names (and look-alikes) known.

use crate::{backends, open, user};
use chat_core::passwords::Passwords;
use chat_core::staff::{self, Saved, StaffError};
use chat_core::store::Backend;
use rstest_reuse::apply;

/// A hashing pool of its own per call: the stories here hash one at a time.
fn passwords() -> Passwords {
    Passwords::new(1)
}

#[apply(backends)]
#[tokio::test]
async fn a_staff_account_signs_in_with_its_password_only(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let moderator = user("Mod_Anna");
    let saved = staff::save(store, &passwords(), &moderator, "correct horse")
        .await
        .unwrap();
    assert_eq!(saved, Saved::Created);
    let account = staff::verify(store, &passwords(), "Mod_Anna", "correct horse")
        .await
        .unwrap();
    assert_eq!(account.unwrap().username, "Mod_Anna");
    // The stored hash is Argon2id, never the password.
    let stored = store
        .staff(&chat_core::reserved::name_key("Mod_Anna"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "{}",
        stored.password_hash
    );
    assert!(!stored.password_hash.contains("correct horse"));

    for (name, password) in [
        ("Mod_Anna", "wrong horse"),
        ("Mod_Anna", ""),
        ("mod_anna", "correct horse"),
        ("Nobody", "correct horse"),
    ] {
        let refused = staff::verify(store, &passwords(), name, password)
            .await
            .unwrap();
        assert_eq!(refused, None, "{name} / {password}");
    }

    // Running it again changes the password: the old one stops working.
    let saved = staff::save(store, &passwords(), &moderator, "battery staple")
        .await
        .unwrap();
    assert_eq!(saved, Saved::PasswordChanged);
    assert!(
        staff::verify(store, &passwords(), "Mod_Anna", "correct horse")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        staff::verify(store, &passwords(), "Mod_Anna", "battery staple")
            .await
            .unwrap()
            .is_some()
    );
}

#[apply(backends)]
#[tokio::test]
async fn staff_names_and_their_look_alikes_are_known(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    staff::save(store, &passwords(), &user("Boss"), "a long password")
        .await
        .unwrap();
    for name in ["Boss", "boss", "B0SS", "Воss"] {
        assert!(staff::is_staff_name(store, name).await.unwrap(), "{name}");
    }
    assert!(!staff::is_staff_name(store, "Bossa").await.unwrap());
    // A second account under a look-alike name would be ambiguous.
    let look_alike = staff::save(store, &passwords(), &user("b0ss"), "a long password").await;
    assert!(matches!(look_alike, Err(StaffError::LookAlike(ref name)) if name == "Boss"));
}

#[apply(backends)]
#[tokio::test]
async fn weak_or_huge_passwords_are_refused(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let short = staff::save(store, &passwords(), &user("Anna"), "1234567").await;
    assert!(matches!(short, Err(StaffError::PasswordTooShort)));
    let huge = "x".repeat(staff::PASSWORD_MAX_BYTES + 1);
    let huge = staff::save(store, &passwords(), &user("Anna"), &huge).await;
    assert!(matches!(huge, Err(StaffError::PasswordTooLong)));
    assert!(!staff::is_staff_name(store, "Anna").await.unwrap());
}

#[apply(backends)]
#[tokio::test]
async fn staff_rights_come_only_from_a_staff_sign_in_since_the_password_was_set(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let key = chat_core::session::SessionKey::new(b"0123456789abcdef0123456789abcdef");
    let boss = user("Boss");
    staff::save(store, &passwords(), &boss, "a long password")
        .await
        .unwrap();
    let now = chat_core::session::now_unix();
    let session = |token: String| key.verify(&token, now).unwrap();

    let signed_in = session(key.issue_staff(&boss, now));
    assert!(staff::has_rights(store, &signed_in).await.unwrap());
    // The same name without the password (a session from before the
    // account existed) has none.
    let plain = session(key.issue(&boss, now));
    assert!(!staff::has_rights(store, &plain).await.unwrap());
    // Nor a staff sign-in of a name that is not an account.
    let stranger = session(key.issue_staff(&user("Anna"), now));
    assert!(!staff::has_rights(store, &stranger).await.unwrap());
    // Setting the password again ends the sessions from before.
    let earlier = session(key.issue_staff(&boss, now - 5));
    staff::save(store, &passwords(), &boss, "a new long password")
        .await
        .unwrap();
    assert!(!staff::has_rights(store, &earlier).await.unwrap());
}
