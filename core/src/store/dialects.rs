//! Statements written once per dialect: `standard` for SQLite and
//! PostgreSQL (`$n` parameters), `mysql` for MySQL and MariaDB (`?`).

/// Declares each statement in a `standard` and a `mysql` module side by
/// side (the module it is used in sees both, and its own imports).
macro_rules! both {
    ($($name:ident = $standard:expr, $mysql:expr;)*) => {
        pub(super) mod standard {
            #[allow(unused_imports)]
            use super::*;
            $(pub(in super::super) const $name: &str = $standard;)*
        }
        pub(super) mod mysql {
            #[allow(unused_imports)]
            use super::*;
            $(pub(in super::super) const $name: &str = $mysql;)*
        }
    };
}
pub(super) use both;
