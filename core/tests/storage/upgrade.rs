//! Upgrades: a database made by an earlier release, opened by this one,
//! keeps what it held.

use crate::{backends, user};
use chat_core::reserved::name_key;
use chat_core::store::{self, Backend, PoolSettings};
use chat_core::testing::ScratchDb;
use chrono::{DateTime, Duration, Utc};
use rstest_reuse::apply;
use sqlx::sqlite::SqliteConnectOptions;
use std::str::FromStr;

/// The last migration before accounts: staff had a table of their own.
const BEFORE_ACCOUNTS: i64 = 20261203000001;

/// A staff member as the release before accounts stored one.
struct OldStaff {
    username: &'static str,
    password_hash: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[apply(backends)]
#[tokio::test]
async fn staff_from_before_accounts_become_staff_accounts_with_their_passwords(
    #[case] backend: Backend,
) {
    let Some(db) = ScratchDb::create(backend).await else {
        return;
    };
    let created_at = millis(Utc::now() - Duration::days(30));
    let moderator = OldStaff {
        username: "Mod",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        created_at,
        updated_at: created_at + Duration::days(3),
    };
    make_before_accounts(&db, &moderator).await;

    let store = store::connect(db.url(), &PoolSettings::default())
        .await
        .expect("the upgrade runs");

    let account = store
        .account(&name_key("mod"))
        .await
        .unwrap()
        .expect("the staff member is an account");
    assert_eq!(account.username, "Mod");
    assert!(account.staff, "with the staff role");
    assert_eq!(
        account.password_hash, moderator.password_hash,
        "same password"
    );
    assert_eq!(account.created_at, moderator.created_at);
    assert_eq!(account.password_set_at, moderator.updated_at);
    assert_eq!(account.retired_at, None);
    // Their name is claimed: a look-alike finds the same account.
    let look_alike = store.account(&name_key("MOD")).await.unwrap();
    assert_eq!(look_alike.map(|a| a.username), Some("Mod".to_owned()));
    // And the new tables work beside it.
    let listed = store.accounts(10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].username, user("Mod").as_str());
    store.close().await;
}

/// Migrates `db` as the release before accounts did and stores `staff` in
/// its staff table.
async fn make_before_accounts(db: &ScratchDb, staff: &OldStaff) {
    // One body per backend: `migrate!` takes its directory as a literal,
    // and the pool type and placeholders differ.
    macro_rules! old_release {
        ($pool:expr, $migrations:literal, $insert:literal) => {{
            let pool = $pool;
            sqlx::migrate!($migrations)
                .run_to(BEFORE_ACCOUNTS, &pool)
                .await
                .unwrap();
            sqlx::query($insert)
                .bind(staff.username)
                .bind(name_key(staff.username))
                .bind(staff.password_hash)
                .bind(staff.created_at)
                .bind(staff.updated_at)
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }};
    }
    let url = db.url();
    match db.backend() {
        Backend::Sqlite => {
            let options = SqliteConnectOptions::from_str(url)
                .unwrap()
                .create_if_missing(true);
            old_release!(
                sqlx::SqlitePool::connect_with(options).await.unwrap(),
                "../migrations/sqlite",
                "INSERT INTO staff VALUES (?, ?, ?, ?, ?)"
            )
        }
        Backend::Postgres => old_release!(
            sqlx::PgPool::connect(url).await.unwrap(),
            "../migrations/postgres",
            "INSERT INTO staff VALUES ($1, $2, $3, $4, $5)"
        ),
        Backend::MySql => old_release!(
            sqlx::MySqlPool::connect(url).await.unwrap(),
            "../migrations/mysql",
            "INSERT INTO staff VALUES (?, ?, ?, ?, ?)"
        ),
    }
}

/// `at`, to the millisecond every backend keeps.
fn millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap()
}
