//! Fills a room fast, straight into the database: `count` messages in
//! `bench`, and a quarter as many interleaved in `other` (every fifth row),
//! so the room's ids are not contiguous. `seq` and the rooms' counts are
//! kept as the server keeps them.

use chat_core::store::Backend;
use sqlx::{Connection, Executor, MySqlConnection, PgConnection, SqliteConnection};
use std::error::Error;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const TEXT: &str = ": a line of ordinary chat text of typical length.";
/// Rows per statement where the rows are sent by the client (MySQL).
const BATCH: i64 = 5_000;

/// Seeds the database at `url`; returns how many messages `other` got.
pub async fn seed(backend: Backend, url: &str, count: i64) -> Result<i64> {
    let total = count + count / 4;
    match backend {
        Backend::Sqlite => sqlite(url, total).await?,
        Backend::Postgres => postgres(url, total).await?,
        Backend::MySql => mysql(url, total).await?,
    }
    Ok(total - count)
}

async fn sqlite(url: &str, total: i64) -> Result<()> {
    let mut db = SqliteConnection::connect(url).await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO rooms (name, created_at)
         VALUES ('bench', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
                ('other', strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))",
    )
    .await?;
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1)
         INSERT INTO messages (room, seq, username, content, content_type, created_at)
         SELECT CASE WHEN x % 5 = 0 THEN 'other' ELSE 'bench' END,
                CASE WHEN x % 5 = 0 THEN x / 5 ELSE x - x / 5 END,
                'user' || (x % 17), 'Message number ' || x || $2, 'text',
                strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
         FROM n",
    )
    .bind(total)
    .bind(TEXT)
    .execute(&mut *tx)
    .await?;
    tx.execute(COUNT_ROOMS).await?;
    tx.commit().await?;
    Ok(())
}

async fn postgres(url: &str, total: i64) -> Result<()> {
    let mut db = PgConnection::connect(url).await?;
    let mut tx = db.begin().await?;
    tx.execute("INSERT INTO rooms (name, created_at) VALUES ('bench', now()), ('other', now())")
        .await?;
    sqlx::query(
        "INSERT INTO messages (room, seq, username, content, content_type, created_at)
         SELECT CASE WHEN x % 5 = 0 THEN 'other' ELSE 'bench' END,
                CASE WHEN x % 5 = 0 THEN x / 5 ELSE x - x / 5 END,
                'user' || (x % 17), 'Message number ' || x || $2, 'text', now()
         FROM generate_series(1::bigint, $1) AS x",
    )
    .bind(total)
    .bind(TEXT)
    .execute(&mut *tx)
    .await?;
    tx.execute(COUNT_ROOMS).await?;
    tx.commit().await?;
    db.execute("ANALYZE").await?;
    Ok(())
}

/// MySQL 8 caps recursive CTEs at 1,000 rows by default, so the client
/// sends the rows, in batches.
async fn mysql(url: &str, total: i64) -> Result<()> {
    let mut db = MySqlConnection::connect(url).await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO rooms (name, created_at) VALUES ('bench', UTC_TIMESTAMP(3)), ('other', UTC_TIMESTAMP(3))",
    )
    .await?;
    let now = chrono::Utc::now();
    for start in (1..=total).step_by(BATCH as usize) {
        let rows = start..=(start + BATCH - 1).min(total);
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO messages (room, seq, username, content, content_type, created_at) ",
        );
        insert.push_values(rows, |mut row, x| {
            let (room, seq) = if x % 5 == 0 {
                ("other", x / 5)
            } else {
                ("bench", x - x / 5)
            };
            row.push_bind(room)
                .push_bind(seq)
                .push_bind(format!("user{}", x % 17))
                .push_bind(format!("Message number {x}{TEXT}"))
                .push_bind("text")
                .push_bind(now);
        });
        insert.build().execute(&mut *tx).await?;
    }
    tx.execute(COUNT_ROOMS).await?;
    tx.commit().await?;
    db.execute("ANALYZE TABLE messages").await?;
    Ok(())
}

const COUNT_ROOMS: &str = "UPDATE rooms SET message_count = (SELECT COUNT(*) FROM messages WHERE messages.room = rooms.name)";

/// The id of the room's `seq`-th message.
pub async fn id_at_seq(backend: Backend, url: &str, seq: i64) -> Result<i64> {
    let sql = match backend {
        Backend::MySql => "SELECT id FROM messages WHERE room = 'bench' AND seq = ?",
        _ => "SELECT id FROM messages WHERE room = 'bench' AND seq = $1",
    };
    let id = match backend {
        Backend::Sqlite => {
            let mut db = SqliteConnection::connect(url).await?;
            sqlx::query_scalar(sql).bind(seq).fetch_one(&mut db).await?
        }
        Backend::Postgres => {
            let mut db = PgConnection::connect(url).await?;
            sqlx::query_scalar(sql).bind(seq).fetch_one(&mut db).await?
        }
        Backend::MySql => {
            let mut db = MySqlConnection::connect(url).await?;
            sqlx::query_scalar(sql).bind(seq).fetch_one(&mut db).await?
        }
    };
    Ok(id)
}
