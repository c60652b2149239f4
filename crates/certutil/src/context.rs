//! Where relative paths point. ironstack has no `ES_HOME`: paths resolve against the current
//! directory, and the `http` wizard's CA path against the config directory first.

use std::path::{Component, Path, PathBuf};

/// The directories a run resolves paths against; read once from the process in `cli_main`.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// The current working directory (absolute).
    pub(crate) cwd: PathBuf,
    /// The config directory: `$IRONSTACK_PATH_CONF`, else `./config` (absolute).
    pub(crate) conf_dir: PathBuf,
}

impl Context {
    /// A context for `cwd` with the config dir taken from the `IRONSTACK_PATH_CONF` value.
    pub(crate) fn new(cwd: PathBuf, path_conf: Option<&str>) -> Self {
        let conf_dir = match path_conf {
            Some(dir) if !dir.is_empty() => normalize(&cwd.join(dir)),
            _ => cwd.join("config"),
        };
        Self {
            cwd: normalize(&cwd),
            conf_dir,
        }
    }

    /// `path` made absolute against the current directory and normalised lexically, as
    /// Java's `Path.normalize().toAbsolutePath()` does.
    pub(crate) fn resolve(&self, path: impl AsRef<Path>) -> PathBuf {
        normalize(&self.cwd.join(path))
    }

    /// Candidates for a path typed at the `http` wizard, in the order they are tried: the
    /// config directory first, then the current directory. An absolute path has one candidate.
    pub(crate) fn ca_path_candidates(&self, path: impl AsRef<Path>) -> Vec<PathBuf> {
        let path = path.as_ref();
        if path.is_absolute() {
            return vec![normalize(path)];
        }
        let in_conf = normalize(&self.conf_dir.join(path));
        let in_cwd = self.resolve(path);
        if in_conf == in_cwd {
            vec![in_conf]
        } else {
            vec![in_conf, in_cwd]
        }
    }
}

/// Removes `.` and resolves `..` lexically (no file-system access, symlinks untouched).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` at the root stays at the root, like Java's normalize on an absolute path.
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_cwd_and_normalise() {
        let ctx = Context::new(PathBuf::from("/home/u/stack"), None);
        assert_eq!(
            ctx.resolve("a/../b.p12"),
            PathBuf::from("/home/u/stack/b.p12")
        );
        assert_eq!(ctx.resolve("/tmp/./x.zip"), PathBuf::from("/tmp/x.zip"));
        assert_eq!(ctx.conf_dir, PathBuf::from("/home/u/stack/config"));
    }

    #[test]
    fn conf_dir_from_environment_value() {
        let ctx = Context::new(PathBuf::from("/srv"), Some("etc/ironstack"));
        assert_eq!(ctx.conf_dir, PathBuf::from("/srv/etc/ironstack"));
        let ctx = Context::new(PathBuf::from("/srv"), Some("/etc/ironstack/"));
        assert_eq!(ctx.conf_dir, PathBuf::from("/etc/ironstack"));
    }

    #[test]
    fn ca_path_tries_config_dir_then_cwd() {
        let ctx = Context::new(PathBuf::from("/srv"), None);
        assert_eq!(
            ctx.ca_path_candidates("ca.p12"),
            vec![
                PathBuf::from("/srv/config/ca.p12"),
                PathBuf::from("/srv/ca.p12")
            ]
        );
        assert_eq!(
            ctx.ca_path_candidates("/abs/ca.p12"),
            vec![PathBuf::from("/abs/ca.p12")]
        );
    }
}
