//! The UIDs medvol makes: random `2.25` UIDs for what it writes, and the implementation UID
//! and version of its file meta information.

use sha2::{Digest, Sha256};

/// The implementation class UID medvol writes in the file meta information.
pub(crate) const IMPLEMENTATION_CLASS_UID: &str = "2.25.62425716437446100694588737883683989757";
/// The implementation version name medvol writes in the file meta information.
pub(crate) const IMPLEMENTATION_VERSION_NAME: &str = "MEDVOL_0_1";

/// A new random UID (`2.25.<decimal>`).
pub(crate) fn new_uid() -> String {
    let key = random_key();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&key[..16]);
    uid_from_bytes(bytes)
}

/// `2.25.<decimal>` of 16 bytes marked as a version-8 (custom) UUID.
pub(crate) fn uid_from_bytes(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0F) | 0x80;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    format!("2.25.{}", u128::from_be_bytes(bytes))
}

/// 32 bytes that differ between calls and processes: SHA-256 of the time, the process id, a
/// counter and the standard library's randomly seeded hasher state.
pub(crate) fn random_key() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = Sha256::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.update(now.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    for _ in 0..2 {
        let mut s = std::collections::hash_map::RandomState::new().build_hasher();
        s.write_u128(now);
        h.update(s.finish().to_le_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_is_a_valid_2_25_uid() {
        let u = uid_from_bytes([0xFF; 16]);
        assert!(u.len() <= 64, "{u}");
        assert!(u[5..].bytes().all(|b| b.is_ascii_digit()));
        assert!(!u[5..].starts_with('0'));
        assert_ne!(random_key(), random_key());
        assert_ne!(new_uid(), new_uid());
    }
}
