//! Tests of the keystore: API behaviour, known-answer vectors built byte by byte from the
//! format description, older format versions, and tampering.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use proptest::prelude::*;
use sha2::Sha512;

use super::*;

// ---------------------------------------------------------------------------------------
// An independent writer, straight from the format description (Elasticsearch's
// KeyStoreWrapper.save and Lucene's CodecUtil), used as the reference for the golden vector
// and to produce files of older versions that this crate never writes.
// ---------------------------------------------------------------------------------------

const FIXED_SALT: [u8; 64] = {
    let mut s = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        s[i] = i as u8;
        i += 1;
    }
    s
};
const FIXED_IV: [u8; 12] = [
    0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB,
];

/// Java `DataOutputStream` plaintext: BE count, then writeUTF(name), [v3: writeUTF(type)],
/// writeInt(len), bytes. Names here are ASCII, whose modified UTF-8 is the bytes themselves.
fn reference_plaintext(version: u32, entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&(entries.len() as i32).to_be_bytes());
    for (name, value) in entries {
        p.extend_from_slice(&(name.len() as u16).to_be_bytes());
        p.extend_from_slice(name.as_bytes());
        if version == 3 {
            p.extend_from_slice(&6u16.to_be_bytes());
            p.extend_from_slice(b"STRING");
        }
        p.extend_from_slice(&(value.len() as i32).to_be_bytes());
        p.extend_from_slice(value);
    }
    p
}

/// A complete file of any version 3..=6 around `plaintext`.
fn reference_file(
    version: u32,
    password: &str,
    salt: &[u8],
    iv: &[u8; 12],
    plaintext: &[u8],
) -> Vec<u8> {
    let iterations = if version >= 6 { 210_000 } else { 10_000 };
    let mut key = [0u8; 16];
    pbkdf2::pbkdf2_hmac::<Sha512>(password.as_bytes(), salt, iterations, &mut key);
    let ciphertext = Aes128Gcm::new(&key.into())
        .encrypt(
            &Nonce::from(*iv),
            Payload {
                msg: plaintext,
                aad: salt,
            },
        )
        .unwrap();
    reference_envelope(version, !password.is_empty(), salt, iv, &ciphertext)
}

fn reference_envelope(
    version: u32,
    has_password: bool,
    salt: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Vec<u8> {
    let int = |v: u32| {
        if version >= 5 {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let mut f = Vec::new();
    f.extend_from_slice(&[0x3F, 0xD7, 0x6C, 0x17]);
    f.push(22);
    f.extend_from_slice(b"elasticsearch.keystore");
    f.extend_from_slice(&version.to_be_bytes());
    f.push(u8::from(has_password));
    let data_len = 4 + salt.len() + 4 + iv.len() + 4 + ciphertext.len();
    f.extend_from_slice(&int(data_len as u32));
    for part in [salt, iv, ciphertext] {
        f.extend_from_slice(&int(part.len() as u32));
        f.extend_from_slice(part);
    }
    f.extend_from_slice(&[0xC0, 0x28, 0x93, 0xE8]);
    f.extend_from_slice(&[0, 0, 0, 0]);
    let crc = crc32fast::hash(&f);
    f.extend_from_slice(&[0, 0, 0, 0]);
    f.extend_from_slice(&crc.to_be_bytes());
    f
}

/// Recomputes the footer checksum after a deliberate modification.
fn fix_crc(file: &mut [u8]) {
    let n = file.len();
    let crc = crc32fast::hash(&file[..n - 8]);
    file[n - 8..n - 4].copy_from_slice(&[0, 0, 0, 0]);
    file[n - 4..].copy_from_slice(&crc.to_be_bytes());
}

fn entries_of(pairs: &[(&str, &[u8])]) -> BTreeMap<String, SecureValue> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), SecureValue::new(v.to_vec())))
        .collect()
}

fn pairs(keystore: &Keystore) -> Vec<(String, Vec<u8>)> {
    keystore
        .names()
        .map(|n| (n.to_string(), keystore.get(n).unwrap().as_bytes().to_vec()))
        .collect()
}

const GOLDEN_ENTRIES: &[(&str, &[u8])] = &[
    ("bootstrap.password", b"changeme"),
    ("keystore.seed", b"AbCdEfGhIjKlMnOpQrSt"),
    (
        "xpack.security.http.ssl.keystore.secure_password",
        b"p\xc3\xa4ss w0rd!",
    ),
];

// ---------------------------------------------------------------------------------------
// Golden vectors
// ---------------------------------------------------------------------------------------

#[test]
fn golden_v6_vector_decodes_and_encoder_is_byte_identical() {
    for password in ["", "s3cret pässword"] {
        let plaintext = reference_plaintext(6, GOLDEN_ENTRIES);
        let golden = reference_file(6, password, &FIXED_SALT, &FIXED_IV, &plaintext);

        // Spot-check the layout itself, not only our agreement with it.
        assert_eq!(&golden[..4], &[0x3F, 0xD7, 0x6C, 0x17]);
        assert_eq!(&golden[27..31], &[0, 0, 0, 6]);
        assert_eq!(golden[31], u8::from(!password.is_empty()));
        assert_eq!(&golden[36..40], &64u32.to_le_bytes());
        assert_eq!(
            golden.len(),
            32 + 4 + 4 + 64 + 4 + 12 + 4 + plaintext.len() + 16 + 16
        );

        assert_golden_file(&golden, password);
    }
}

/// `file` decodes to [`GOLDEN_ENTRIES`] (format version 6), and our encoder, given the same
/// salt and IV, writes exactly `file`.
#[track_caller]
fn assert_golden_file(file: &[u8], password: &str) {
    let decoded = Keystore::from_bytes(file, password).unwrap();
    assert_eq!(decoded.format_version(), 6);
    assert_eq!(
        pairs(&decoded),
        GOLDEN_ENTRIES
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_vec()))
            .collect::<Vec<_>>()
    );
    let ours = Keystore::from_entries(entries_of(GOLDEN_ENTRIES))
        .to_bytes_with(password, &FIXED_SALT, &FIXED_IV)
        .unwrap();
    assert_eq!(
        ours, file,
        "encoder output differs for password {password:?}"
    );
}

/// Files written by a JDK 17 program that follows `KeyStoreWrapper.save` using only JDK
/// classes (`PBKDF2WithHmacSHA512`, `AES/GCM/NoPadding`, `DataOutputStream`, `CRC32`), for
/// [`GOLDEN_ENTRIES`] with [`FIXED_SALT`] and [`FIXED_IV`]: without a password, then with
/// password `s3cret`. The program is in `crates/ironstack/tests/integration/keystore.rs`.
const JDK_V6_NO_PASSWORD: &[&str] = &[
    "3fd76c1716656c61737469637365617263682e6b657973746f72650000000600f40000004000000000010203",
    "0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f",
    "303132333435363738393a3b3c3d3e3f0c000000a0a1a2a3a4a5a6a7a8a9aaab9c0000008f8a61ee51a28192",
    "e167fab2db69b66e99a90e64892e02ae68b3b731a94bd4ff32f15646ece0f91f6cd06335749c9472b3586199",
    "d2930895e6d671478c06dabc36250612460ff5cf86e9d3939b9cd2a94550fb4736ff0e2ff522393bf1ff1420",
    "3717965855baaa3c3ce381b81574945cab0396b4303473c666f1f1e90a6e11106ef9aef5eb187b489b373d34",
    "688f25ad229c9077998897d6c1748bacc02893e80000000000000000fc216607",
];
const JDK_V6_PASSWORD_S3CRET: &[&str] = &[
    "3fd76c1716656c61737469637365617263682e6b657973746f72650000000601f40000004000000000010203",
    "0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f",
    "303132333435363738393a3b3c3d3e3f0c000000a0a1a2a3a4a5a6a7a8a9aaab9c0000008433558c56512f15",
    "740ac85ad6e48f53bbd4eb90440f5bea4181d1b3099028883b3baa4bc86a40b2cfd584e7c053b72f94663a7d",
    "3a094dfeccb670deb023d6bed9429832cd7c831144f42b8db7d220cda91d844fe41a75cd2b849a4b2e0b2686",
    "5e404b5ea66e041d69d6bc19f5c9a3937d10c7a128e7d37a9f2dbbf2d45b980db7122f3955c079f226c5c134",
    "9d234fe362b14f6cd87c289f2c47d1e4c02893e80000000000000000c79dfd6f",
];

fn unhex(parts: &[&str]) -> Vec<u8> {
    let hex: String = parts.concat();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn jdk_written_v6_vectors_decode_and_match_our_encoder() {
    for (password, parts) in [("", JDK_V6_NO_PASSWORD), ("s3cret", JDK_V6_PASSWORD_S3CRET)] {
        let jdk = unhex(parts);
        assert_golden_file(&jdk, password);
        assert!(matches!(
            Keystore::from_bytes(&jdk, "S3cret"),
            Err(Error::WrongPassword)
        ));
    }
}

#[test]
fn older_versions_3_4_5_are_read() {
    for version in [3, 4, 5] {
        let plaintext = reference_plaintext(version, GOLDEN_ENTRIES);
        let file = reference_file(version, "pw", &FIXED_SALT, &FIXED_IV, &plaintext);
        let keystore = Keystore::from_bytes(&file, "pw").unwrap();
        assert_eq!(keystore.format_version(), version);
        assert!(keystore.needs_upgrade());
        assert_eq!(keystore.get_string("bootstrap.password"), Some("changeme"));
        assert_eq!(keystore.len(), GOLDEN_ENTRIES.len());
        assert!(matches!(
            Keystore::from_bytes(&file, "wrong"),
            Err(Error::WrongPassword)
        ));
    }
}

#[test]
fn upgrade_of_old_keystore_without_seed_adds_seed_and_writes_v6() {
    let plaintext = reference_plaintext(4, &[("a", b"1")]);
    let file = reference_file(4, "", &FIXED_SALT, &FIXED_IV, &plaintext);
    let mut keystore = Keystore::from_bytes(&file, "").unwrap();
    assert!(!keystore.contains(SEED_SETTING));
    assert!(keystore.ensure_seed().unwrap());
    assert!(!keystore.ensure_seed().unwrap());
    let bytes = keystore.to_bytes("").unwrap();
    let again = Keystore::from_bytes(&bytes, "").unwrap();
    assert_eq!(again.format_version(), 6);
    assert!(!again.needs_upgrade());
    assert_eq!(again.get_string("a"), Some("1"));
}

#[test]
fn too_old_and_too_new_versions_are_named() {
    for (version, old) in [(1u32, true), (2, true), (7, false), (0x7fff_ffff, false)] {
        let mut file = reference_file(5, "", &FIXED_SALT, &FIXED_IV, &reference_plaintext(5, &[]));
        file[27..31].copy_from_slice(&version.to_be_bytes());
        fix_crc(&mut file);
        let err = Keystore::from_bytes(&file, "").unwrap_err();
        if old {
            assert!(matches!(err, Error::FormatTooOld { version: v } if v == version));
        } else {
            assert!(matches!(err, Error::FormatTooNew { version: v } if v == version));
        }
    }
}

// ---------------------------------------------------------------------------------------
// API behaviour
// ---------------------------------------------------------------------------------------

#[test]
fn new_keystore_has_a_random_seed_of_20_allowed_characters() {
    let a = Keystore::new();
    let b = Keystore::new();
    let seed = a.get_string(SEED_SETTING).unwrap();
    assert_eq!(seed.len(), 20);
    assert!(seed.bytes().all(|c| SEED_CHARS.contains(&c)));
    assert_ne!(a.get(SEED_SETTING), b.get(SEED_SETTING));
    assert_eq!(a.names().collect::<Vec<_>>(), vec![SEED_SETTING]);
}

#[test]
fn set_get_remove_and_sorted_names() {
    let mut ks = Keystore::new();
    ks.set("zeta", b"z".to_vec()).unwrap();
    ks.set("alpha.beta-gamma_1", vec![0xff, 0x00]).unwrap();
    ks.set("zeta", b"z2".to_vec()).unwrap();
    assert_eq!(
        ks.names().collect::<Vec<_>>(),
        vec!["alpha.beta-gamma_1", SEED_SETTING, "zeta"]
    );
    assert_eq!(ks.get_string("zeta"), Some("z2"));
    assert_eq!(ks.get_string("alpha.beta-gamma_1"), None);
    assert_eq!(
        ks.get("alpha.beta-gamma_1").unwrap().as_bytes(),
        &[0xff, 0x00]
    );
    assert!(ks.remove("zeta"));
    assert!(!ks.remove("zeta"));
    assert_eq!(ks.get("zeta"), None);
}

#[test]
fn invalid_setting_names_are_rejected() {
    let mut ks = Keystore::new();
    for bad in ["", "a b", "a/b", "é", "a=b", "x\n", "$x"] {
        assert!(
            matches!(ks.set(bad, b"v".to_vec()), Err(Error::InvalidSettingName(ref n)) if n == bad),
            "{bad:?} accepted"
        );
    }
    assert!(validate_setting_name("Az09_-.").is_ok());
}

#[test]
fn debug_shows_names_but_not_values() {
    let mut ks = Keystore::new();
    ks.set("my.secret", b"hunter2".to_vec()).unwrap();
    let shown = format!("{ks:?}");
    assert!(shown.contains("my.secret"));
    assert!(!shown.contains("hunter2"));
    let seed = ks.get_string(SEED_SETTING).unwrap().to_string();
    assert!(!shown.contains(&seed));
}

#[test]
fn save_load_with_and_without_password_and_header_only_probe() {
    let dir = tempfile::tempdir().unwrap();
    let path = Keystore::default_path(dir.path());
    assert_eq!(path.file_name().unwrap(), "ironstack.keystore");
    assert!(matches!(
        Keystore::is_password_protected(&path),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        Keystore::load(&path, ""),
        Err(Error::NotFound { .. })
    ));

    let mut ks = Keystore::new();
    ks.set("s", b"value".to_vec()).unwrap();
    ks.save(&path, "").unwrap();
    assert!(!Keystore::is_password_protected(&path).unwrap());
    assert_eq!(pairs(&Keystore::load(&path, "").unwrap()), pairs(&ks));

    ks.save(&path, "pw").unwrap();
    assert!(Keystore::is_password_protected(&path).unwrap());
    assert_eq!(pairs(&Keystore::load(&path, "pw").unwrap()), pairs(&ks));
    assert!(matches!(
        Keystore::load(&path, ""),
        Err(Error::WrongPassword)
    ));
    assert!(matches!(
        Keystore::load(&path, "pW"),
        Err(Error::WrongPassword)
    ));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn every_save_uses_fresh_salt_and_iv() {
    let ks = Keystore::new();
    let a = ks.to_bytes("").unwrap();
    let b = ks.to_bytes("").unwrap();
    assert_ne!(a, b);
    assert_ne!(a[36 + 4..36 + 4 + 64], b[36 + 4..36 + 4 + 64]);
}

// ---------------------------------------------------------------------------------------
// Tampering and malformed input
// ---------------------------------------------------------------------------------------

/// A small real keystore as `save` writes it.
fn small_file(password: &str) -> (Keystore, Vec<u8>) {
    let mut ks = Keystore::from_entries(entries_of(&[("a.b", b"secret")]));
    ks.ensure_seed().unwrap();
    let bytes = ks.to_bytes(password).unwrap();
    (ks, bytes)
}

/// One unprotected [`small_file`], shared so that property tests do not pay the KDF per case.
fn small_unprotected_file() -> &'static Vec<u8> {
    static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    FILE.get_or_init(|| small_file("").1)
}

#[test]
fn flipping_any_bit_of_any_byte_is_an_error() {
    for password in ["", "pw"] {
        let (_, file) = small_file(password);
        for pos in 0..file.len() {
            for mask in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff] {
                let mut bad = file.clone();
                bad[pos] ^= mask;
                let result = Keystore::from_bytes(&bad, password);
                assert!(
                    result.is_err(),
                    "byte {pos} ^ {mask:#04x} of a {}-byte file was accepted",
                    file.len()
                );
            }
        }
    }
}

#[test]
fn flips_with_a_recomputed_checksum_never_yield_different_values() {
    // Past the checksum, AES-GCM must catch every change. A version-5 file keeps this test
    // fast (10,000 KDF rounds instead of 210,000).
    let plaintext = reference_plaintext(5, &[("a.b", b"secret"), ("keystore.seed", b"x")]);
    let file = reference_file(5, "", &FIXED_SALT, &FIXED_IV, &plaintext);
    let original = pairs(&Keystore::from_bytes(&file, "").unwrap());
    let footer_start = file.len() - 16;
    for pos in 0..footer_start {
        let mut bad = file.clone();
        bad[pos] ^= 0x01;
        fix_crc(&mut bad);
        match Keystore::from_bytes(&bad, "") {
            Err(_) => {}
            // Only the hasPassword hint may change without changing the contents.
            Ok(ks) => {
                assert_eq!(pos, 31, "byte {pos} changed silently");
                assert_eq!(pairs(&ks), original);
            }
        }
    }
}

#[test]
fn every_truncation_and_extension_is_an_error() {
    let (_, file) = small_file("");
    for len in 0..file.len() {
        assert!(
            Keystore::from_bytes(&file[..len], "").is_err(),
            "prefix {len} accepted"
        );
    }
    let mut longer = file.clone();
    longer.push(0);
    assert!(Keystore::from_bytes(&longer, "").is_err());
    let mut longer = file;
    longer.extend_from_slice(&[0; 16]);
    fix_crc(&mut longer);
    assert!(Keystore::from_bytes(&longer, "").is_err());
}

#[test]
fn huge_or_negative_lengths_are_rejected_before_allocating() {
    let plaintext = reference_plaintext(5, &[("a", b"1")]);
    let file = reference_file(5, "", &FIXED_SALT, &FIXED_IV, &plaintext);
    // Offsets in a v5/v6 file: dataLen at 32, saltLen at 36, ivLen at 104, encLen at 120.
    for (offset, value) in [
        (32usize, i32::MAX),
        (32, -1),
        (36, i32::MAX),
        (36, -64),
        (36, 0),
        (104, i32::MAX),
        (104, 16),
        (120, i32::MAX),
        (120, i32::MIN),
        (120, 3),
    ] {
        let mut bad = file.clone();
        bad[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
        fix_crc(&mut bad);
        assert!(
            matches!(Keystore::from_bytes(&bad, ""), Err(Error::Corrupt(_))),
            "length {value} at {offset} not rejected as corrupt"
        );
    }
}

#[test]
fn forged_plaintext_lengths_are_rejected() {
    let huge_count = {
        let mut p = reference_plaintext(6, &[("a", b"1")]);
        p[..4].copy_from_slice(&i32::MAX.to_be_bytes());
        p
    };
    let negative_count = {
        let mut p = reference_plaintext(6, &[]);
        p[..4].copy_from_slice(&(-1i32).to_be_bytes());
        p
    };
    let huge_value = {
        let mut p = reference_plaintext(6, &[("a", b"1")]);
        let n = p.len();
        p[n - 5..n - 1].copy_from_slice(&i32::MAX.to_be_bytes());
        p
    };
    let trailing = {
        let mut p = reference_plaintext(6, &[("a", b"1")]);
        p.push(0);
        p
    };
    let bad_name = {
        let mut p = reference_plaintext(6, &[("a", b"1")]);
        p[6] = 0xff;
        p
    };
    for (what, plaintext) in [
        ("huge count", huge_count),
        ("negative count", negative_count),
        ("huge value", huge_value),
        ("trailing bytes", trailing),
        ("bad name", bad_name),
        ("empty", Vec::new()),
    ] {
        let file = reference_file(5, "", &FIXED_SALT, &FIXED_IV, &plaintext);
        assert!(
            matches!(Keystore::from_bytes(&file, ""), Err(Error::Corrupt(_))),
            "{what} accepted"
        );
    }
}

#[test]
fn wrong_magic_and_codec_name_are_reported() {
    let (_, file) = small_file("");
    assert!(matches!(
        Keystore::from_bytes(b"hello world, not a keystore", ""),
        Err(Error::Corrupt(ref m)) if m.contains("not a keystore")
    ));
    let mut renamed = file;
    renamed[5] = b'E';
    fix_crc(&mut renamed);
    assert!(matches!(
        Keystore::from_bytes(&renamed, ""),
        Err(Error::Corrupt(ref m)) if m.contains("codec name")
    ));
}

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

fn setting_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,40}"
}

fn settings() -> impl Strategy<Value = BTreeMap<String, Vec<u8>>> {
    proptest::collection::btree_map(
        setting_name(),
        proptest::collection::vec(any::<u8>(), 0..200),
        0..8,
    )
}

fn keystore_with(settings: &BTreeMap<String, Vec<u8>>) -> Keystore {
    let mut ks = Keystore::new();
    for (name, value) in settings {
        ks.set(name, value.clone()).unwrap();
    }
    ks
}

proptest! {
    #[test]
    fn plaintext_round_trips(settings in settings()) {
        let entries: BTreeMap<String, SecureValue> = settings
            .iter()
            .map(|(n, v)| (n.clone(), SecureValue::new(v.clone())))
            .collect();
        let plain = format::encode_entries(&entries).unwrap();
        prop_assert_eq!(format::decode_entries(&plain, 6).unwrap(), entries);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert!(Keystore::from_bytes(&bytes, "").is_err());
    }

    #[test]
    fn random_mutations_of_a_real_file_are_rejected(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..6)
    ) {
        let file = small_unprotected_file();
        let mut bad = file.clone();
        for (index, mask) in edits {
            let at = index.index(bad.len());
            bad[at] ^= mask;
        }
        prop_assume!(&bad != file);
        prop_assert!(Keystore::from_bytes(&bad, "").is_err());
    }
}

proptest! {
    // Each case derives two 210,000-round keys, so keep the count small.
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn file_round_trips_with_and_without_password(
        settings in settings(),
        password in prop_oneof![Just(String::new()), "\\PC{1,20}"],
    ) {
        let ks = keystore_with(&settings);
        let dir = tempfile::tempdir().unwrap();
        let path = Keystore::default_path(dir.path());
        ks.save(&path, &password).unwrap();
        prop_assert_eq!(Keystore::is_password_protected(&path).unwrap(), !password.is_empty());
        let loaded = Keystore::load(&path, &password).unwrap();
        prop_assert_eq!(pairs(&loaded), pairs(&ks));
        for (name, value) in &settings {
            prop_assert_eq!(loaded.get(name).unwrap().as_bytes(), value.as_slice());
        }
    }
}
