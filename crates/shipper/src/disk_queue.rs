//! `queue.disk`: events survive restarts. Events are appended to numbered segment files
//! (`<n>.seg`, one `<_id>\t<source>` line per event) under `queue.disk.path`; the position of
//! the first event not yet acknowledged is kept in `state.json` (written to a temporary file,
//! synced, then renamed), and a segment is deleted once every event in it is acknowledged.
//! After a crash or restart, publishing resumes at that position: events sent but not
//! acknowledged are sent again, and their deterministic `_id`s make them 409 duplicates
//! rather than copies. When the segments reach `max_size`, writing waits (collection stalls),
//! as the memory queue does when full.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::json;
use tokio::sync::Notify;

use crate::event::Event;
use crate::{Error, Result};

/// Where reading resumes: a segment and a byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// Segment number.
    pub segment: u64,
    /// Byte offset of the next event in that segment.
    pub offset: u64,
}

struct Writer {
    segment: u64,
    file: File,
    size: u64,
}

/// The queue; shared by the writing task and the publishing task.
pub struct DiskQueue {
    dir: PathBuf,
    max_size: u64,
    segment_size: u64,
    writer: Mutex<Writer>,
    /// Read position (not yet acknowledged events start here).
    acked: Mutex<Position>,
    /// Signalled when events are written (for the reader) or segments deleted (for the writer).
    pub(crate) changed: Notify,
}

impl std::fmt::Debug for DiskQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskQueue")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n}.seg"))
}

/// Segment numbers present in `dir`, sorted.
fn segments(dir: &Path) -> Result<Vec<u64>> {
    let mut out: Vec<u64> = std::fs::read_dir(dir)
        .map_err(|e| io_err(dir, e))?
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".seg")?
                .parse::<u64>()
                .ok()
        })
        .collect();
    out.sort_unstable();
    Ok(out)
}

impl DiskQueue {
    /// Opens (or creates, 0700) the queue in `dir`, dropping acknowledged segments and a torn
    /// last line left by a crash.
    pub fn open(dir: &Path, max_size: u64, segment_size: u64) -> Result<DiskQueue> {
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| io_err(dir, e))?;
        }
        let state_path = dir.join("state.json");
        let acked = match std::fs::read_to_string(&state_path) {
            Ok(text) => {
                let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                    Error::Runtime(format!(
                        "the disk queue state [{}] is corrupt: {e}",
                        state_path.display()
                    ))
                })?;
                Position {
                    segment: v["segment"].as_u64().unwrap_or(0),
                    offset: v["offset"].as_u64().unwrap_or(0),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Position::default(),
            Err(e) => return Err(io_err(&state_path, e)),
        };
        for n in segments(dir)? {
            if n < acked.segment {
                std::fs::remove_file(segment_path(dir, n)).map_err(|e| io_err(dir, e))?;
            }
        }
        let last = segments(dir)?
            .last()
            .copied()
            .unwrap_or(acked.segment)
            .max(acked.segment);
        let path = segment_path(dir, last);
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        // A crash while appending can leave half a line: cut back to the last full one.
        let len = file.metadata().map_err(|e| io_err(&path, e))?.len();
        let complete = complete_length(&mut file).map_err(|e| io_err(&path, e))?;
        if complete < len {
            file.set_len(complete).map_err(|e| io_err(&path, e))?;
            tracing::warn!(segment = %path.display(), "dropped a torn event at the end of the disk queue");
        }
        Ok(DiskQueue {
            dir: dir.to_path_buf(),
            max_size,
            segment_size: segment_size.max(1),
            writer: Mutex::new(Writer {
                segment: last,
                file,
                size: complete,
            }),
            acked: Mutex::new(acked),
            changed: Notify::new(),
        })
    }

    /// Bytes in the segment files.
    pub fn size(&self) -> u64 {
        segments(&self.dir)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| std::fs::metadata(segment_path(&self.dir, *n)).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Whether `bytes` more fit under `max_size` (an empty queue always takes one batch).
    pub fn has_room(&self, bytes: u64) -> bool {
        let size = self.size();
        size == 0 || size + bytes <= self.max_size
    }

    /// Appends events and syncs them to disk.
    pub fn append(&self, events: &[Event]) -> Result<()> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| Error::Runtime("disk queue writer poisoned".into()))?;
        for event in events {
            if w.size >= self.segment_size {
                w.file.sync_data().map_err(|e| io_err(&self.dir, e))?;
                let next = w.segment + 1;
                let path = segment_path(&self.dir, next);
                w.file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| io_err(&path, e))?;
                w.segment = next;
                w.size = 0;
            }
            // An event with its own index gets a third, leading field: `@index`.
            let line = match &event.index {
                Some(index) => format!("@{index}\t{}\t{}\n", event.id, event.source),
                None => format!("{}\t{}\n", event.id, event.source),
            };
            w.file
                .write_all(line.as_bytes())
                .map_err(|e| io_err(&self.dir, e))?;
            w.size += line.len() as u64;
        }
        w.file.sync_data().map_err(|e| io_err(&self.dir, e))?;
        drop(w);
        self.changed.notify_waiters();
        Ok(())
    }

    /// Up to `max` events from the acknowledged position, and the position after them.
    pub fn read(&self, max: usize) -> Result<(Vec<Event>, Position)> {
        let mut position = *self
            .acked
            .lock()
            .map_err(|_| Error::Runtime("disk queue state poisoned".into()))?;
        let last = self
            .writer
            .lock()
            .map_err(|_| Error::Runtime("disk queue writer poisoned".into()))?
            .segment;
        let mut events = Vec::new();
        while events.len() < max && position.segment <= last {
            let path = segment_path(&self.dir, position.segment);
            let file = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    position = Position {
                        segment: position.segment + 1,
                        offset: 0,
                    };
                    continue;
                }
                Err(e) => return Err(io_err(&path, e)),
            };
            let mut reader = BufReader::new(file);
            reader
                .seek(SeekFrom::Start(position.offset))
                .map_err(|e| io_err(&path, e))?;
            let mut line = String::new();
            let mut at_end = false;
            while events.len() < max {
                line.clear();
                let n = reader.read_line(&mut line).map_err(|e| io_err(&path, e))?;
                if n == 0 || !line.ends_with('\n') {
                    at_end = true;
                    break;
                }
                position.offset += n as u64;
                let text = line.trim_end_matches('\n');
                let (index, text) = match text.strip_prefix('@').and_then(|t| t.split_once('\t')) {
                    Some((index, rest)) => (Some(index.to_string()), rest),
                    None => (None, text),
                };
                let Some((id, source)) = text.split_once('\t') else {
                    tracing::error!(segment = %path.display(), "skipping a corrupt line in the disk queue");
                    continue;
                };
                events.push(Event {
                    id: id.to_string(),
                    source: source.to_string(),
                    index,
                });
            }
            if at_end {
                if position.segment < last {
                    position = Position {
                        segment: position.segment + 1,
                        offset: 0,
                    };
                } else {
                    break;
                }
            }
        }
        Ok((events, position))
    }

    /// Marks everything before `position` as acknowledged: persists it and deletes the
    /// segments it has passed.
    pub fn ack(&self, position: Position) -> Result<()> {
        let state = self.dir.join("state.json");
        let tmp = self.dir.join("state.json.tmp");
        {
            let mut f = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(|e| io_err(&tmp, e))?;
            f.write_all(
                json!({"segment": position.segment, "offset": position.offset})
                    .to_string()
                    .as_bytes(),
            )
            .and_then(|_| f.sync_all())
            .map_err(|e| io_err(&tmp, e))?;
        }
        std::fs::rename(&tmp, &state).map_err(|e| io_err(&state, e))?;
        *self
            .acked
            .lock()
            .map_err(|_| Error::Runtime("disk queue state poisoned".into()))? = position;
        for n in segments(&self.dir)? {
            if n < position.segment {
                std::fs::remove_file(segment_path(&self.dir, n))
                    .map_err(|e| io_err(&self.dir, e))?;
            }
        }
        self.changed.notify_waiters();
        Ok(())
    }
}

/// The length up to and including the last newline.
fn complete_length(file: &mut File) -> std::io::Result<u64> {
    use std::io::Read;
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i as u64 + 1))
}

/// `10GB`, `512MiB`, `1000` (bytes), as Beats' size settings.
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("[{text}] is not a size"))?;
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "kib" => 1024.0,
        "mb" | "m" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "gb" | "g" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tb" | "t" => 1e12,
        "tib" => 1024f64.powi(4),
        other => return Err(format!("[{text}] has an unknown unit [{other}]")),
    };
    let bytes = value * multiplier;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("[{text}] is out of range"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(i: usize) -> Event {
        Event::from_document(&serde_json::json!({"seq": i, "text": "tab\\there\\nnewline"}))
    }

    #[test]
    fn events_survive_reopening_until_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let q = DiskQueue::open(dir.path(), 1 << 20, 200).unwrap();
        let events: Vec<Event> = (0..10).map(ev).collect();
        q.append(&events).unwrap();
        assert!(
            segments(dir.path()).unwrap().len() > 1,
            "rotated at segment_size"
        );
        let (first, pos) = q.read(4).unwrap();
        assert_eq!(first, events[..4]);
        q.ack(pos).unwrap();
        // Read but not acknowledged: comes back after a restart.
        let (_unacked, _) = q.read(3).unwrap();
        drop(q);
        let q = DiskQueue::open(dir.path(), 1 << 20, 200).unwrap();
        let (rest, pos) = q.read(100).unwrap();
        assert_eq!(rest, events[4..]);
        q.ack(pos).unwrap();
        assert_eq!(
            segments(dir.path()).unwrap().len(),
            1,
            "acknowledged segments are deleted"
        );
        assert!(q.read(10).unwrap().0.is_empty());
        q.append(&[ev(99)]).unwrap();
        assert_eq!(q.read(10).unwrap().0, vec![ev(99)]);
        let own = Event::from_document(&serde_json::json!({"n": 1,
            "@metadata": {"index": ".monitoring-es-8-mb", "_id": "st:node:idx:0:p"}}));
        q.append(std::slice::from_ref(&own)).unwrap();
        drop(q);
        let q = DiskQueue::open(dir.path(), 1 << 20, 200).unwrap();
        let (back, _) = q.read(10).unwrap();
        assert_eq!(
            back.last(),
            Some(&own),
            "the event's own index and _id survive"
        );
    }

    #[test]
    fn a_torn_last_line_is_cut_and_max_size_is_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let q = DiskQueue::open(dir.path(), 300, 10_000).unwrap();
        assert!(q.has_room(1_000_000), "an empty queue takes a batch");
        q.append(&[ev(1)]).unwrap();
        assert!(!q.has_room(300));
        drop(q);
        let seg = segment_path(dir.path(), 0);
        let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
        f.write_all(b"partial-id\t{\"half").unwrap();
        drop(f);
        let q = DiskQueue::open(dir.path(), 300, 10_000).unwrap();
        assert_eq!(q.read(10).unwrap().0, vec![ev(1)]);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10GB").unwrap(), 10_000_000_000);
        assert_eq!(parse_size("1MiB").unwrap(), 1_048_576);
        assert_eq!(parse_size("512").unwrap(), 512);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("1XB").is_err());
    }
}
