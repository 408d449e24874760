//! What a new password must be: at least [`PASSWORD_MIN_CHARS`] characters,
//! at most [`PASSWORD_MAX_BYTES`] bytes, and not easy to guess: not the
//! name itself, nor a very common password or pattern, as zxcvbn judges
//! (it knows the common-password lists and keyboard walks).

use crate::Error;
use protocol::events::ErrorCode;

pub use crate::passwords::PASSWORD_MAX_BYTES;

/// Shortest password accepted, in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;

/// How much of a password zxcvbn reads: its work grows quickly with the
/// length, and past this a password is not weak by its length anyway.
const JUDGED_CHARS: usize = 64;

/// Accepts `password` as a new password for `username`, or says why not
/// (`weak_password`, or `invalid` past the size limit).
pub fn check(password: &str, username: &str) -> Result<(), Error> {
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(Error::invalid(format!(
            "the password must be at most {PASSWORD_MAX_BYTES} bytes"
        )));
    }
    let weak = |why: &str| Err(Error::new(ErrorCode::WeakPassword, why));
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return weak(&format!(
            "the password must be at least {PASSWORD_MIN_CHARS} characters"
        ));
    }
    if password.trim().eq_ignore_ascii_case(username) {
        return weak("the password must not be your name");
    }
    let judged: String = password.chars().take(JUDGED_CHARS).collect();
    if zxcvbn::zxcvbn(&judged, &[username]).score() <= zxcvbn::Score::One {
        return weak("that password is too common or too easy to guess; try a few unrelated words");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(password: &str) -> Option<ErrorCode> {
        check(password, "Alice").err().map(|e| e.code())
    }

    #[test]
    fn short_common_and_own_name_passwords_are_weak() {
        for weak in [
            "1234567",
            "password",
            "password1",
            "qwertyuiop",
            "alice12345",
            "ALICE",
        ] {
            assert_eq!(code(weak), Some(ErrorCode::WeakPassword), "{weak}");
        }
        assert_eq!(code("AliceAlice"), Some(ErrorCode::WeakPassword));
    }

    #[test]
    fn a_few_unrelated_words_pass() {
        for strong in [
            "correct horse",
            "battery staple",
            "a long password",
            "Wintergreen-42-sofa",
        ] {
            assert_eq!(code(strong), None, "{strong}");
        }
    }

    #[test]
    fn a_huge_password_is_invalid_not_judged() {
        let huge = "x".repeat(PASSWORD_MAX_BYTES + 1);
        assert_eq!(code(&huge), Some(ErrorCode::Invalid));
    }
}
