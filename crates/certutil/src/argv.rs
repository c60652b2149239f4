//! jopt-simple compatibility for the command line: Elasticsearch's tools accept single-dash
//! long options (`-pem`, `-name node1`) next to `--pem`, and unambiguous prefixes (`--keys`
//! for `--keysize`). clap infers prefixes itself (`infer_long_args`); this module rewrites the
//! single-dash forms before clap sees them and splits off the mode name.

use std::ffi::OsString;

use ironstack_terminal::CliError;

/// Converts the raw arguments to UTF-8; anything else is a usage error.
pub(crate) fn to_strings(args: Vec<OsString>) -> Result<Vec<String>, CliError> {
    args.into_iter()
        .map(|arg| {
            arg.into_string().map_err(|raw| {
                CliError::usage(format!(
                    "argument [{}] is not valid UTF-8",
                    raw.to_string_lossy()
                ))
            })
        })
        .collect()
}

/// Finds the mode (the first argument that is neither an option nor the value of `-E`) and
/// returns it with the remaining arguments in their original order.
pub(crate) fn split_mode(args: Vec<String>) -> (Option<String>, Vec<String>) {
    let mut rest = Vec::with_capacity(args.len());
    let mut mode = None;
    let mut expect_setting_value = false;
    for arg in args {
        if mode.is_some() {
            rest.push(arg);
        } else if expect_setting_value {
            expect_setting_value = false;
            rest.push(arg);
        } else if arg == "-E" {
            expect_setting_value = true;
            rest.push(arg);
        } else if arg.starts_with('-') {
            rest.push(arg);
        } else {
            mode = Some(arg);
        }
    }
    (mode, rest)
}

/// Rewrites `-name value` / `-pem` / `-out=x` to their `--` forms when the word (or an
/// unambiguous prefix of it) is one of `longs`. Short options (`-s`, `-v`, `-h`, `-E<kv>`)
/// and everything after `--` are left alone.
pub(crate) fn normalize_single_dash_longs(args: Vec<String>, longs: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut passthrough = false;
    for arg in args {
        if passthrough || arg == "--" {
            passthrough = true;
            out.push(arg);
            continue;
        }
        let is_single_dash_word = arg.len() > 2
            && arg.starts_with('-')
            && !arg.starts_with("--")
            // `-Ekey=value` is the short option E with an attached value.
            && !arg[1..].starts_with('E');
        if is_single_dash_word {
            let body = &arg[1..];
            let word = body.split_once('=').map_or(body, |(name, _)| name);
            if resolves_to_long(word, longs) {
                out.push(format!("-{arg}"));
                continue;
            }
        }
        out.push(arg);
    }
    out
}

fn resolves_to_long(word: &str, longs: &[&str]) -> bool {
    if longs.contains(&word) {
        return true;
    }
    longs.iter().filter(|long| long.starts_with(word)).count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mode_is_first_non_option_and_skips_setting_values() {
        let (mode, rest) = split_mode(strings(&["-E", "a=b", "-s", "cert", "--pem"]));
        assert_eq!(mode.as_deref(), Some("cert"));
        assert_eq!(rest, strings(&["-E", "a=b", "-s", "--pem"]));
        let (mode, rest) = split_mode(strings(&["-h"]));
        assert_eq!(mode, None);
        assert_eq!(rest, strings(&["-h"]));
    }

    #[test]
    fn single_dash_long_options_become_double_dash() {
        let longs = ["pem", "name", "out", "keysize", "ca", "ca-cert", "ca-pass"];
        let args = strings(&[
            "-pem",
            "-name",
            "node1",
            "-out=x.zip",
            "-keys",
            "4096",
            "-s",
            "-Ea=b",
            "-ca",
            "-ca-c",
        ]);
        assert_eq!(
            normalize_single_dash_longs(args, &longs),
            strings(&[
                "--pem",
                "--name",
                "node1",
                "--out=x.zip",
                "--keys",
                "4096",
                "-s",
                "-Ea=b",
                "--ca",
                "--ca-c"
            ])
        );
    }

    #[test]
    fn unknown_or_ambiguous_words_are_left_for_clap_to_reject() {
        let longs = ["ca-cert", "ca-key", "pem"];
        let args = strings(&["-ca-", "-bogus", "--", "-pem"]);
        assert_eq!(
            normalize_single_dash_longs(args, &longs),
            strings(&["-ca-", "-bogus", "--", "-pem"])
        );
    }
}
