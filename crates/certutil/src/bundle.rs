//! Zip archives as certutil writes them: deflated entries with UTF-8 names, explicit
//! directory entries (`name/`) before their files, built in memory (wiped on drop) so that
//! the output file is written in one go. Secrets get unix mode 0600 inside the archive, so
//! `unzip` restores them private.

use std::io::{Cursor, Write};

use zeroize::Zeroizing;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::error::Error;

/// Whether an entry holds a secret (private key, keystore) or public text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sensitivity {
    /// Certificates, READMEs, sample configuration: 0644.
    Public,
    /// Private keys and PKCS#12 stores: 0600.
    Secret,
}

/// A zip archive being assembled in memory.
pub(crate) struct ZipBundle {
    writer: ZipWriter<Cursor<Vec<u8>>>,
    modified: DateTime,
}

impl ZipBundle {
    /// An empty archive whose entries carry `now` (local time) as modification time.
    pub(crate) fn new(now: &jiff::ZonedDateTime) -> Self {
        let modified = DateTime::from_date_and_time(
            u16::try_from(now.year()).unwrap_or(1980),
            u8::try_from(now.month()).unwrap_or(1),
            u8::try_from(now.day()).unwrap_or(1),
            u8::try_from(now.hour()).unwrap_or(0),
            u8::try_from(now.minute()).unwrap_or(0),
            u8::try_from(now.second()).unwrap_or(0),
        )
        .unwrap_or_default();
        Self {
            writer: ZipWriter::new(Cursor::new(Vec::new())),
            modified,
        }
    }

    fn options(&self, mode: u32) -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(self.modified)
            .unix_permissions(mode)
    }

    /// Adds a directory entry `name/`.
    pub(crate) fn add_directory(&mut self, name: &str) -> Result<(), Error> {
        let options = self.options(0o755);
        self.writer.add_directory(format!("{name}/"), options)?;
        Ok(())
    }

    /// Adds a file entry.
    pub(crate) fn add_file(
        &mut self,
        name: &str,
        contents: &[u8],
        sensitivity: Sensitivity,
    ) -> Result<(), Error> {
        let mode = match sensitivity {
            Sensitivity::Public => 0o644,
            Sensitivity::Secret => 0o600,
        };
        let options = self.options(mode);
        self.writer.start_file(name, options)?;
        self.writer
            .write_all(contents)
            .map_err(zip::result::ZipError::Io)?;
        Ok(())
    }

    /// The finished archive bytes (zeroed when dropped: they contain private keys).
    pub(crate) fn finish(self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let cursor = self.writer.finish()?;
        Ok(Zeroizing::new(cursor.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn entries_keep_order_directories_and_modes() {
        let now = jiff::ZonedDateTime::now();
        let mut zip = ZipBundle::new(&now);
        zip.add_directory("ca").unwrap();
        zip.add_file("ca/ca.crt", b"cert", Sensitivity::Public)
            .unwrap();
        zip.add_file("ca/ca.key", b"key", Sensitivity::Secret)
            .unwrap();
        let bytes = zip.finish().unwrap();

        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
        let names: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert_eq!(names, vec!["ca/", "ca/ca.crt", "ca/ca.key"]);
        let mut key = archive.by_name("ca/ca.key").unwrap();
        assert_eq!(key.unix_mode().unwrap() & 0o777, 0o600);
        assert_eq!(key.compression(), CompressionMethod::Deflated);
        let mut text = String::new();
        key.read_to_string(&mut text).unwrap();
        assert_eq!(text, "key");
    }
}
