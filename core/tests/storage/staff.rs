//! Staff accounts: created, their passwords changed and checked, their
//! names (and look-alikes) known.

use crate::{backends, open, user};
use chat_core::staff::{self, Saved, StaffError};
use chat_core::store::Backend;
use rstest_reuse::apply;

#[apply(backends)]
#[tokio::test]
async fn a_staff_account_signs_in_with_its_password_only(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let moderator = user("Mod_Anna");
    let saved = staff::save(store, &moderator, "correct horse")
        .await
        .unwrap();
    assert_eq!(saved, Saved::Created);
    let account = staff::verify(store, "Mod_Anna", "correct horse")
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
        let refused = staff::verify(store, name, password).await.unwrap();
        assert_eq!(refused, None, "{name} / {password}");
    }

    // Running it again changes the password: the old one stops working.
    let saved = staff::save(store, &moderator, "battery staple")
        .await
        .unwrap();
    assert_eq!(saved, Saved::PasswordChanged);
    assert!(
        staff::verify(store, "Mod_Anna", "correct horse")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        staff::verify(store, "Mod_Anna", "battery staple")
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
    staff::save(store, &user("Boss"), "a long password")
        .await
        .unwrap();
    for name in ["Boss", "boss", "B0SS", "Воss"] {
        assert!(staff::is_staff_name(store, name).await.unwrap(), "{name}");
    }
    assert!(!staff::is_staff_name(store, "Bossa").await.unwrap());
    // A second account under a look-alike name would be ambiguous.
    let look_alike = staff::save(store, &user("b0ss"), "a long password").await;
    assert!(matches!(look_alike, Err(StaffError::LookAlike(ref name)) if name == "Boss"));
}

#[apply(backends)]
#[tokio::test]
async fn weak_or_huge_passwords_are_refused(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let short = staff::save(store, &user("Anna"), "1234567").await;
    assert!(matches!(short, Err(StaffError::PasswordTooShort)));
    let huge = "x".repeat(staff::PASSWORD_MAX_BYTES + 1);
    let huge = staff::save(store, &user("Anna"), &huge).await;
    assert!(matches!(huge, Err(StaffError::PasswordTooLong)));
    assert!(!staff::is_staff_name(store, "Anna").await.unwrap());
}
