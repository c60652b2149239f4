//! Integration tests for `ironstack keystore`: the real binary, answers piped on standard
//! input, `IRONSTACK_KEYSTORE_PASSWORD_FILE`, exit codes, file mode, and (when a JDK is
//! present) files exchanged with a JDK program that follows Elasticsearch's KeyStoreWrapper.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{have_tool, interop_required, ironstack, run_with_stdin};

/// `ironstack keystore ARGS` with the config dir `conf`.
fn keystore(conf: &Path, args: &[&str]) -> Command {
    let mut cmd = ironstack();
    cmd.arg("keystore")
        .args(args)
        .env("IRONSTACK_PATH_CONF", conf);
    cmd
}

fn ks(conf: &Path, args: &[&str], stdin: &str) -> Output {
    run_with_stdin(keystore(conf, args), stdin)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

fn keystore_file(conf: &Path) -> PathBuf {
    conf.join("ironstack.keystore")
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn create_add_list_show_remove_through_piped_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("config");

    let o = ks(&conf, &["create"], "");
    assert_code(&o, 0);
    let file = keystore_file(&conf);
    assert!(stdout(&o).contains(&format!("Created ironstack keystore in {}", file.display())));
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);

    let o = ks(
        &conf,
        &["add", "-x", "a.b", "c.d"],
        "value one\nvalue two\n",
    );
    assert_code(&o, 0);
    // `--stdin` shows no prompt, so nothing at all is printed (no blank line per value).
    assert_eq!(stdout(&o), "");
    let o = ks(&conf, &["add", "e.f"], "typed value\n");
    assert_code(&o, 0);
    assert!(stdout(&o).contains("Enter value for e.f: "));

    let o = ks(&conf, &["list"], "");
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "a.b\nc.d\ne.f\nkeystore.seed\n");

    let o = ks(&conf, &["-s", "show", "c.d"], "");
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "value two\n");
    assert_eq!(
        stdout(&ks(&conf, &["show", "-s", "e.f"], "")),
        "typed value\n"
    );

    // Overwrite needs confirmation; "n" keeps the old value.
    let o = ks(&conf, &["add", "a.b"], "n\n");
    assert_code(&o, 0);
    assert!(stdout(&o).contains("Setting a.b already exists. Overwrite? [y/N]"));
    assert_eq!(
        stdout(&ks(&conf, &["-s", "show", "a.b"], "")),
        "value one\n"
    );
    assert_code(&ks(&conf, &["add", "-f", "-x", "a.b"], "replaced\n"), 0);
    assert_eq!(stdout(&ks(&conf, &["-s", "show", "a.b"], "")), "replaced\n");

    assert_code(&ks(&conf, &["remove", "a.b", "e.f"], ""), 0);
    assert_eq!(stdout(&ks(&conf, &["list"], "")), "c.d\nkeystore.seed\n");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);

    let o = ks(&conf, &["remove", "a.b"], "");
    assert_code(&o, 78);
    assert_eq!(
        stderr(&o).trim(),
        "ERROR: Setting [a.b] does not exist in the keystore."
    );
    assert_code(&ks(&conf, &["show", "nope"], ""), 78);

    // No stray temporary files next to the keystore.
    let names: Vec<String> = std::fs::read_dir(&conf)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["ironstack.keystore".to_string()]);
}

#[test]
fn config_dir_defaults_to_dot_config() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = ironstack();
    cmd.args(["keystore", "add", "-f", "-x", "x.y"])
        .current_dir(dir.path());
    assert_code(&run_with_stdin(cmd, "v\n"), 0);
    assert!(
        dir.path()
            .join("config")
            .join("ironstack.keystore")
            .is_file()
    );
}

#[test]
fn protected_keystore_prompt_password_file_and_passwd() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");

    let o = ks(&conf, &["create", "-p"], "one\ntwo\n");
    assert_code(&o, 65);
    assert!(
        !stderr(&o).contains("one"),
        "password echoed: {}",
        stderr(&o)
    );
    assert!(!keystore_file(&conf).exists());

    let o = ks(&conf, &["create", "-p"], "pw\npw\n");
    assert_code(&o, 0);
    assert!(
        stdout(&o)
            .contains("Enter new password for the ironstack keystore (empty for no password): ")
    );
    let o = ks(&conf, &["has-passwd"], "");
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "Keystore is password-protected\n");

    let o = ks(&conf, &["add", "-x", "s.t"], "pw\nsecret value\n");
    assert_code(&o, 0);
    assert!(stdout(&o).contains("Enter password for the ironstack keystore : "));

    let o = ks(&conf, &["list"], "wrong\n");
    assert_code(&o, 65);
    assert_eq!(
        stderr(&o).trim(),
        "ERROR: Provided keystore password was incorrect"
    );

    let pw_file = dir.path().join("pw.txt");
    std::fs::write(&pw_file, "pw\n").unwrap();
    let mut cmd = keystore(&conf, &["-s", "show", "s.t"]);
    cmd.env("IRONSTACK_KEYSTORE_PASSWORD_FILE", &pw_file);
    let o = run_with_stdin(cmd, "");
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "secret value\n");

    let o = ks(&conf, &["passwd"], "pw\nnew pw\nnew pw\n");
    assert_code(&o, 0);
    assert!(stdout(&o).contains("ironstack keystore password changed successfully."));
    #[cfg(unix)]
    assert_eq!(mode(&keystore_file(&conf)), 0o600);

    let mut cmd = keystore(&conf, &["list"]);
    cmd.env("IRONSTACK_KEYSTORE_PASSWORD_FILE", &pw_file);
    assert_code(&run_with_stdin(cmd, ""), 65);
    std::fs::write(&pw_file, "new pw\r\n").unwrap();
    let mut cmd = keystore(&conf, &["list"]);
    cmd.env("IRONSTACK_KEYSTORE_PASSWORD_FILE", &pw_file);
    let o = run_with_stdin(cmd, "");
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "keystore.seed\ns.t\n");

    // Removing the password: empty new password twice.
    assert_code(&ks(&conf, &["passwd"], "new pw\n\n\n"), 0);
    assert_code(&ks(&conf, &["has-passwd"], ""), 1);
    assert_eq!(
        stdout(&ks(&conf, &["-s", "show", "s.t"], "")),
        "secret value\n"
    );
}

#[test]
fn create_with_password_from_password_file() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    let pw_file = dir.path().join("pw");
    std::fs::write(&pw_file, "from file\n").unwrap();
    let mut cmd = keystore(&conf, &["create", "-p"]);
    cmd.env("IRONSTACK_KEYSTORE_PASSWORD_FILE", &pw_file);
    let o = run_with_stdin(cmd, "");
    assert_code(&o, 0);
    assert!(!stdout(&o).contains("Enter"));
    assert_code(&ks(&conf, &["has-passwd"], ""), 0);
    assert_code(&ks(&conf, &["list"], "from file\n"), 0);
}

#[test]
fn has_passwd_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().to_path_buf();
    let o = ks(&conf, &["has-passwd"], "");
    assert_code(&o, 1);
    assert_eq!(stderr(&o).trim(), "ERROR: ironstack keystore not found");
    assert_code(&ks(&conf, &["create"], ""), 0);
    let o = ks(&conf, &["has-passwd"], "");
    assert_code(&o, 1);
    assert_eq!(
        stderr(&o).trim(),
        "ERROR: Keystore is not password-protected"
    );
    let o = ks(&conf, &["--silent", "has-passwd"], "");
    assert_code(&o, 1);
    assert_eq!(stderr(&o), "");
}

#[test]
fn usage_data_and_io_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");

    assert_code(&ks(&conf, &[], ""), 64);
    assert_code(&ks(&conf, &["bogus"], ""), 64);
    let o = ks(&conf, &["add"], "");
    assert_code(&o, 64);
    assert_eq!(
        stderr(&o).trim(),
        "ERROR: the setting names can not be empty"
    );
    assert_code(&ks(&conf, &["add-file", "lonely"], ""), 64);
    assert_code(&ks(&conf, &["-s", "-v", "list"], ""), 64);
    let o = ks(&conf, &["--help"], "");
    assert_code(&o, 0);
    assert!(stdout(&o).contains("has-passwd"));

    let o = ks(&conf, &["list"], "");
    assert_code(&o, 65);
    assert!(stderr(&o).contains("Use 'create' command to create one."));

    assert_code(&ks(&conf, &["create", "-E", "path.home=/tmp"], ""), 0);
    let o = ks(&conf, &["add", "-x", "bad name"], "v\n");
    assert_code(&o, 65);
    assert!(stderr(&o).contains("does not match the allowed setting name pattern"));

    let o = ks(&conf, &["add-file", "f", "/definitely/not/here"], "");
    assert_code(&o, 74);
    assert!(stderr(&o).contains("does not exist"));

    let blob = dir.path().join("blob.bin");
    std::fs::write(&blob, [0u8, 0xff, 0x80, 0x0a]).unwrap();
    assert_code(
        &ks(&conf, &["add-file", "blob", blob.to_str().unwrap()], ""),
        0,
    );
    let o = ks(&conf, &["show", "blob"], "");
    assert_code(&o, 74);
    assert!(stderr(&o).contains("is not a string"));

    let out = dir.path().join("out.bin");
    assert_code(
        &ks(&conf, &["show", "-o", out.to_str().unwrap(), "blob"], ""),
        0,
    );
    assert_eq!(std::fs::read(&out).unwrap(), [0u8, 0xff, 0x80, 0x0a]);
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o600);
}

#[test]
fn tampered_keystore_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().to_path_buf();
    assert_code(&ks(&conf, &["add", "-f", "-x", "a"], "b\n"), 0);
    let file = keystore_file(&conf);
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&file, &bytes).unwrap();
    let o = ks(&conf, &["list"], "");
    assert_code(&o, 65);
    assert!(
        stderr(&o).contains("corrupted or tampered"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn upgrade_keeps_entries() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().to_path_buf();
    assert_code(&ks(&conf, &["add", "-f", "-x", "a"], "b\n"), 0);
    assert_code(&ks(&conf, &["upgrade"], ""), 0);
    assert_eq!(stdout(&ks(&conf, &["list"], "")), "a\nkeystore.seed\n");
}

// ---------------------------------------------------------------------------------------
// Interoperability with the JDK: a program that reads and writes the format the way
// Elasticsearch's KeyStoreWrapper does, using only JDK classes.
// ---------------------------------------------------------------------------------------

const JDK_KEYSTORE_PROGRAM: &str = r#"
// A stand-in for Elasticsearch's KeyStoreWrapper (v6 save, v3..v6 load) written only with the
// JDK: PBKDF2WithHmacSHA512, AES/GCM/NoPadding, DataOutputStream.writeUTF and java.util.zip.CRC32.
// Usage: write FILE PASSWORD SALT_HEX|random IV_HEX|random NAME=VALUE_HEX...
//        read FILE PASSWORD        (prints NAME=VALUE_HEX per entry, sorted)
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.*;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.SecureRandom;
import java.util.*;
import java.util.zip.CRC32;

public class KeystoreInterop {
    static final int MAGIC = 0x3FD76C17;
    static final String CODEC = "elasticsearch.keystore";

    static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }

    static Cipher cipher(int mode, char[] pw, byte[] salt, byte[] iv, int iters) throws Exception {
        SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512");
        byte[] key = f.generateSecret(new PBEKeySpec(pw, salt, iters, 128)).getEncoded();
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        c.updateAAD(salt);
        return c;
    }

    static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] random(String arg, int n) {
        if (!arg.equals("random")) return hex(arg);
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    public static void main(String[] args) throws Exception {
        char[] pw = args[2].toCharArray();
        if (args[0].equals("write")) {
            byte[] salt = random(args[3], 64), iv = random(args[4], 12);
            ByteArrayOutputStream plainBytes = new ByteArrayOutputStream();
            DataOutputStream plain = new DataOutputStream(plainBytes);
            plain.writeInt(args.length - 5);
            for (int i = 5; i < args.length; i++) {
                int eq = args[i].indexOf('=');
                byte[] value = hex(args[i].substring(eq + 1));
                plain.writeUTF(args[i].substring(0, eq));
                plain.writeInt(value.length);
                plain.write(value);
            }
            byte[] enc = cipher(Cipher.ENCRYPT_MODE, pw, salt, iv, 210000).doFinal(plainBytes.toByteArray());
            ByteArrayOutputStream fileBytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(fileBytes);
            out.writeInt(MAGIC);
            out.writeByte(CODEC.length());
            out.write(CODEC.getBytes(StandardCharsets.UTF_8));
            out.writeInt(6);
            out.writeByte(pw.length == 0 ? 0 : 1);
            out.write(le(4 + salt.length + 4 + iv.length + 4 + enc.length));
            out.write(le(salt.length)); out.write(salt);
            out.write(le(iv.length)); out.write(iv);
            out.write(le(enc.length)); out.write(enc);
            out.writeInt(~MAGIC);
            out.writeInt(0);
            CRC32 crc = new CRC32();
            crc.update(fileBytes.toByteArray());
            out.writeLong(crc.getValue());
            Files.write(Paths.get(args[1]), fileBytes.toByteArray());
        } else {
            byte[] file = Files.readAllBytes(Paths.get(args[1]));
            CRC32 crc = new CRC32();
            crc.update(file, 0, file.length - 8);
            if (ByteBuffer.wrap(file, file.length - 8, 8).getLong() != crc.getValue()) throw new IllegalStateException("checksum failed");
            ByteBuffer in = ByteBuffer.wrap(file, 0, file.length - 16);
            if (in.getInt() != MAGIC) throw new IllegalStateException("magic");
            byte[] codec = new byte[in.get()];
            in.get(codec);
            if (!new String(codec, StandardCharsets.UTF_8).equals(CODEC)) throw new IllegalStateException("codec");
            int version = in.getInt();
            if (version != 6) throw new IllegalStateException("version " + version);
            byte hasPassword = in.get();
            if (hasPassword != (pw.length == 0 ? 0 : 1)) throw new IllegalStateException("hasPassword " + hasPassword);
            in.order(ByteOrder.LITTLE_ENDIAN);
            int dataLen = in.getInt();
            if (dataLen != in.remaining()) throw new IllegalStateException("dataLen");
            byte[] salt = new byte[in.getInt()]; in.get(salt);
            byte[] iv = new byte[in.getInt()]; in.get(iv);
            byte[] enc = new byte[in.getInt()]; in.get(enc);
            if (in.remaining() != 0) throw new IllegalStateException("trailing");
            byte[] plain = cipher(Cipher.DECRYPT_MODE, pw, salt, iv, 210000).doFinal(enc);
            DataInputStream p = new DataInputStream(new ByteArrayInputStream(plain));
            TreeMap<String, String> entries = new TreeMap<>();
            for (int n = p.readInt(); n > 0; n--) {
                String name = p.readUTF();
                byte[] value = new byte[p.readInt()];
                p.readFully(value);
                entries.put(name, hex(value));
            }
            if (p.read() != -1) throw new IllegalStateException("trailing plaintext");
            for (Map.Entry<String, String> e : entries.entrySet()) System.out.println(e.getKey() + "=" + e.getValue());
        }
    }
}
"#;

/// Runs the JDK program (single-file source launch); `None` when no JDK can run it.
fn jdk(work: &Path, args: &[&str]) -> Option<Output> {
    if !have_tool("java", "-version") {
        return None;
    }
    let source = work.join("KeystoreInterop.java");
    if !source.exists() {
        std::fs::write(&source, JDK_KEYSTORE_PROGRAM).unwrap();
    }
    // UTF-8 arguments (passwords with non-ASCII characters) need a UTF-8 locale in Java.
    let o = Command::new("java")
        .env("LC_ALL", "C.UTF-8")
        .arg(&source)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    // A JRE without the compiler module cannot launch source files. scripts/test.sh installs
    // a JDK (default-jdk-headless) and requires interop, so there a JRE is a failure, not a
    // reason to skip.
    if err.contains("jdk.compiler") {
        assert!(
            !interop_required(),
            "a JDK (java with the jdk.compiler module) is required (IRONSTACK_REQUIRE_INTEROP=1), but this java cannot run source files:\n{err}"
        );
        eprintln!("skipping JDK interop: this Java cannot run source files (no JDK)");
        return None;
    }
    Some(o)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn jdk_reads_ours_and_we_read_the_jdks() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    let pw_file = dir.path().join("pw");
    std::fs::write(&pw_file, "jdk pässword\n").unwrap();
    let with_pw = |args: &[&str]| {
        let mut cmd = keystore(&conf, args);
        cmd.env("IRONSTACK_KEYSTORE_PASSWORD_FILE", &pw_file);
        cmd
    };

    // Ours → JDK.
    assert_code(&run_with_stdin(with_pw(&["create", "-p"]), ""), 0);
    assert_code(
        &run_with_stdin(
            with_pw(&["add", "-x", "bootstrap.password", "x.y"]),
            "chängeme\nsecond\n",
        ),
        0,
    );
    let blob = dir.path().join("blob");
    std::fs::write(&blob, [0u8, 1, 2, 0xff]).unwrap();
    assert_code(
        &run_with_stdin(with_pw(&["add-file", "a.file", blob.to_str().unwrap()]), ""),
        0,
    );
    let file = keystore_file(&conf);
    let Some(o) = jdk(
        dir.path(),
        &["read", file.to_str().unwrap(), "jdk pässword"],
    ) else {
        return;
    };
    assert_code(&o, 0);
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], "a.file=000102ff");
    assert_eq!(
        lines[1],
        format!("bootstrap.password={}", hex("chängeme".as_bytes()))
    );
    assert!(lines[2].starts_with("keystore.seed=") && lines[2].len() == 14 + 40);
    assert_eq!(lines[3], format!("x.y={}", hex(b"second")));
    let o = jdk(dir.path(), &["read", file.to_str().unwrap(), "wrong"]).unwrap();
    assert_ne!(o.status.code(), Some(0));

    // JDK → ours, protected and unprotected.
    for password in ["", "s3cret"] {
        let conf2 = dir.path().join(format!("jdk{}", password.len()));
        std::fs::create_dir_all(&conf2).unwrap();
        let file2 = keystore_file(&conf2);
        let o = jdk(
            dir.path(),
            &[
                "write",
                file2.to_str().unwrap(),
                password,
                "random",
                "random",
                &format!("keystore.seed={}", hex(b"0123456789abcdefghij")),
                &format!(
                    "xpack.security.http.ssl.keystore.secure_password={}",
                    hex("pä55".as_bytes())
                ),
            ],
        )
        .unwrap();
        assert_code(&o, 0);
        let o = ks(&conf2, &["has-passwd"], "");
        assert_code(&o, if password.is_empty() { 1 } else { 0 });
        let stdin = if password.is_empty() {
            String::new()
        } else {
            format!("{password}\n")
        };
        let o = ks(
            &conf2,
            &[
                "-s",
                "show",
                "xpack.security.http.ssl.keystore.secure_password",
            ],
            &stdin,
        );
        assert_code(&o, 0);
        assert!(stdout(&o).ends_with("pä55\n"), "{}", stdout(&o));
        // Re-saved by us, still readable by the JDK.
        assert_code(
            &ks(&conf2, &["add", "-x", "added"], &format!("{stdin}v\n")),
            0,
        );
        let o = jdk(dir.path(), &["read", file2.to_str().unwrap(), password]).unwrap();
        assert_code(&o, 0);
        assert!(stdout(&o).contains(&format!("added={}", hex(b"v"))));
        assert!(stdout(&o).contains("keystore.seed=30313233"));
    }
}
