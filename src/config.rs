//! Typed configuration of `dezone serve`: flags, `DEZONE_*` environment
//! variables and an optional TOML file, under the same names.
//!
//! Precedence: a flag beats its environment variable, which beats the file
//! given by `--config` (or `DEZONE_CONFIG`), which beats the default.
//!
//! Every setting is declared once, as a field of [`Config`] with its clap
//! attributes. From that field come its flag (`--max-batch-points`), its
//! variable (`DEZONE_MAX_BATCH_POINTS`), its key in the file (the field name,
//! `snake_case`: `max_batch_points`), its default, its help, the check of its
//! value wherever it comes from, and its place in the start-up log line
//! ([`Config::log_effective`]). `dezone.example.toml` lists every key; a unit
//! test keeps it in step with the fields.
//!
//! File values are applied by making them clap's defaults
//! ([`FileSettings::as_defaults`]), so that clap itself ranks flag over
//! variable over file, and parses a file value exactly as it parses the flag.
//!
//! This module knows the command line (clap) and the request limits of
//! `http`; it must not import `query`, `geodata` or the handlers.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use clap::{
    Arg, ArgMatches, Args, ValueEnum,
    error::{ContextKind, ContextValue},
    parser::ValueSource,
};

use crate::http::Limits;

/// The settings of `dezone serve`, declared once: each field is a flag, an
/// environment variable and a key of the configuration file.
///
/// The macro adds [`Config::provenance`] and [`Config::log_effective`], whose
/// log fields must be named at compile time.
macro_rules! settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[$field_meta])*
                pub $field: $ty,
            )*
            /// Where each setting's value came from; filled by
            /// [`crate::cli::Cli::load_from`], empty otherwise.
            #[arg(skip)]
            pub provenance: Provenance,
        }

        impl $name {
            /// Logs the effective configuration as one event: for each setting
            /// `KEY` its value as given (absent when unset) and `KEY.source`,
            /// one of `flag`, `env`, `file`, `default`.
            pub fn log_effective(&self) {
                tracing::info!(
                    $(
                        $field = self.provenance.value(stringify!($field)),
                        $field.source = self.provenance.source(stringify!($field)),
                    )*
                    "effective configuration"
                );
            }
        }
    };
}

settings! {
    /// How `dezone serve` runs.
    #[derive(Clone, Debug, Args)]
    pub struct Config {
        /// A TOML file of settings: keys are the long flag names in `snake_case`
        /// (`max_batch_points = 100000`); flags and environment variables win
        /// over it. See `dezone.example.toml`.
        #[arg(long, env = "DEZONE_CONFIG", value_name = "FILE")]
        pub config: Option<PathBuf>,

        /// Address to listen on.
        #[arg(long, env = "DEZONE_ADDR", default_value = "127.0.0.1:8080")]
        pub addr: std::net::SocketAddr,

        /// Threads serving connections, 1 to 1024; batches are answered on as many.
        /// Unset: one per core the process may use (its CPU affinity and cgroup quota count).
        #[arg(long, env = "DEZONE_THREADS", value_name = "N", value_parser = thread_count())]
        pub threads: Option<usize>,

        /// Zone data to serve instead of the embedded file (a GeoJSON FeatureCollection).
        #[arg(long, env = "DEZONE_GEODATA", value_name = "PATH")]
        pub geodata: Option<PathBuf>,

        /// Governorates layer to use instead of the embedded one (a GeoJSON
        /// FeatureCollection with P-code ids).
        #[arg(long, env = "DEZONE_GOVERNORATES", value_name = "PATH")]
        pub governorates: Option<PathBuf>,

        /// Public URL prefix for links in answers (e.g. `https://maps.example.org/dezone`);
        /// when unset, `http://ADDR` of the address listened on (root-relative links
        /// when listening on `0.0.0.0` or `[::]`).
        #[arg(long, env = "DEZONE_BASE_URL", default_value = "", value_parser = base_url)]
        pub base_url: String,

        /// Most points in one `POST /locate` (at least 1).
        #[arg(long, env = "DEZONE_MAX_BATCH_POINTS", default_value_t = Limits::default().max_batch_points, value_parser = at_least_one())]
        pub max_batch_points: usize,

        /// Largest request body in bytes (at least 256).
        #[arg(long, env = "DEZONE_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes, value_parser = at_least(SMALLEST_BYTES))]
        pub max_body_bytes: usize,

        /// Longest request target (path and query string) in bytes, at least 256; 414 beyond.
        #[arg(long, env = "DEZONE_MAX_URI_BYTES", default_value_t = Limits::default().max_uri_bytes, value_parser = at_least(SMALLEST_BYTES))]
        pub max_uri_bytes: usize,

        /// Most bytes of header fields in one request, at least 256; 431 beyond.
        #[arg(long, env = "DEZONE_MAX_HEADER_BYTES", default_value_t = Limits::default().max_header_bytes, value_parser = at_least(SMALLEST_BYTES))]
        pub max_header_bytes: usize,

        /// Most header fields in one request; 431 beyond.
        #[arg(long, env = "DEZONE_MAX_HEADERS", default_value_t = Limits::default().max_headers, value_parser = at_least_one())]
        pub max_headers: usize,

        /// Most requests answered at once; beyond, a 503 with `Retry-After` at once (not queued).
        #[arg(long, env = "DEZONE_MAX_IN_FLIGHT", default_value_t = Limits::default().max_in_flight, value_parser = at_least_one())]
        pub max_in_flight: usize,

        /// Longest time one answer may take, in milliseconds: a 408 when the request body
        /// was still arriving, else a 503.
        #[arg(long, env = "DEZONE_REQUEST_TIMEOUT_MS", default_value_t = Limits::default().request_timeout_ms, value_parser = clap::value_parser!(u64).range(1..))]
        pub request_timeout_ms: u64,

        /// Longest time a connection may go without progress (a complete request head, an
        /// answer being made, bytes of an answer sent), in milliseconds: a head sent too
        /// slowly, an idle kept-alive connection or a client that stops reading; the
        /// connection is closed after 1 to 1.25 times this.
        #[arg(long, env = "DEZONE_HEADER_READ_TIMEOUT_MS", default_value_t = Limits::default().header_read_timeout_ms, value_parser = clap::value_parser!(u64).range(1..))]
        pub header_read_timeout_ms: u64,

        /// Who may embed `/map` in a frame: a CSP `frame-ancestors` source list, e.g.
        /// `'self' https://grafana.example.org`, or `'none'`. Other pages are never frameable.
        #[arg(long, env = "DEZONE_FRAME_ANCESTORS", default_value = crate::http::map::DEFAULT_FRAME_ANCESTORS, value_parser = frame_ancestors)]
        pub frame_ancestors: String,

        /// Log format on stderr: `text` for people, `json` for one JSON object per line.
        #[arg(long, env = "DEZONE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
        pub log_format: LogFormat,
    }
}

/// The id of the `--config` setting, which only a flag or a variable can set.
pub const CONFIG_KEY: &str = "config";

fn frame_ancestors(text: &str) -> Result<String, String> {
    crate::http::map::check_frame_ancestors(text).map(|()| text.trim().to_owned())
}

impl Config {
    /// How many threads serve connections and answer batches: `--threads`,
    /// else one per core the process may use.
    ///
    /// # Examples
    ///
    /// ```
    /// use clap::Parser as _;
    /// use dezone::cli::{Cli, Command};
    ///
    /// let serve = |args: &[&str]| match Cli::parse_from(args).command {
    ///     Command::Serve(config) => config,
    ///     _ => unreachable!(),
    /// };
    /// assert_eq!(serve(&["dezone", "serve", "--threads", "3"]).thread_count().get(), 3);
    /// let cores = std::thread::available_parallelism().unwrap();
    /// assert_eq!(serve(&["dezone", "serve"]).thread_count(), cores);
    /// ```
    #[must_use]
    pub fn thread_count(&self) -> std::num::NonZeroUsize {
        self.threads
            .and_then(std::num::NonZeroUsize::new)
            .unwrap_or_else(|| {
                std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN)
            })
    }

    /// The request limits.
    #[must_use]
    pub fn limits(&self) -> Limits {
        Limits {
            max_batch_points: self.max_batch_points,
            max_body_bytes: self.max_body_bytes,
            max_uri_bytes: self.max_uri_bytes,
            max_header_bytes: self.max_header_bytes,
            max_headers: self.max_headers,
            max_in_flight: self.max_in_flight,
            request_timeout_ms: self.request_timeout_ms,
            header_read_timeout_ms: self.header_read_timeout_ms,
        }
    }
}

/// A count or size of at least 1.
fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    at_least(1)
}

/// The least a limit in bytes may be: below it, the service would refuse
/// the requests it exists for (`GET /healthz` from curl sends 78 bytes of
/// header fields; a batch of one GeoJSON Point is about 50 bytes).
const SMALLEST_BYTES: u64 = 256;

fn at_least(least: u64) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(least..)
}

/// A public base URL: empty (unset), or an absolute `http` or `https` URL
/// with a host and no query or fragment, since every link of every answer
/// starts with it.
fn base_url(value: &str) -> std::result::Result<String, String> {
    const EXPECTED: &str = "an http:// or https:// URL with a host and no query or fragment, \
         such as https://maps.example.org/dezone";
    if value.is_empty() {
        return Ok(String::new());
    }
    let uri: axum::http::Uri = value
        .parse()
        .map_err(|e| format!("{e}; expected {EXPECTED}"))?;
    let web = matches!(uri.scheme_str(), Some("http" | "https"));
    let host = uri.authority().is_some_and(|a| !a.host().is_empty());
    if !web || !host || uri.query().is_some() || value.contains('#') {
        return Err(format!("expected {EXPECTED}"));
    }
    Ok(value.to_owned())
}

/// A number of threads: 1 to [`MAX_THREADS`](crate::http::workers::MAX_THREADS).
fn thread_count() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..=crate::http::workers::MAX_THREADS as u64)
}

/// How log lines are written to stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (tracing-subscriber's default format).
    #[default]
    Text,
    /// One JSON object per line (tracing-subscriber's JSON format).
    Json,
}

/// The settings' clap arguments, in declaration order: `--config` first.
fn arguments() -> Vec<Arg> {
    Config::augment_args(clap::Command::new("serve"))
        .get_arguments()
        .cloned()
        .collect()
}

/// The keys a configuration file may hold, in declaration order: every
/// setting but `config`.
///
/// # Examples
///
/// ```
/// let keys = dezone::config::file_keys();
/// assert_eq!(keys[0], "addr");
/// assert!(keys.contains(&"max_batch_points".to_owned()));
/// assert!(!keys.contains(&"config".to_owned()));
/// ```
#[must_use]
pub fn file_keys() -> Vec<String> {
    arguments()
        .iter()
        .map(|arg| arg.get_id().as_str().to_owned())
        .filter(|key| key != CONFIG_KEY)
        .collect()
}

/// Where a setting's value came from, highest precedence first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The command line.
    Flag,
    /// Its `DEZONE_*` environment variable.
    Env,
    /// The configuration file.
    File,
    /// The built-in default (or unset, for a setting without one).
    Default,
}

impl Source {
    /// The name used in the start-up log line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Env => "env",
            Self::File => "file",
            Self::Default => "default",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One setting's effective value, as text, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective {
    /// The setting's key (the field name).
    pub key: String,
    /// Its value as given (`None`: unset, for settings without a default).
    pub value: Option<String>,
    /// Where the value came from.
    pub source: Source,
}

/// Where each setting of a [`Config`] came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance(Vec<Effective>);

impl Provenance {
    /// Reads the sources off the `serve` matches: clap knows flags,
    /// variables and defaults; a default that the file set is the file's.
    #[must_use]
    pub fn from_matches(matches: &ArgMatches, file: Option<&FileSettings>) -> Self {
        let settings = arguments()
            .iter()
            .map(|arg| {
                let key = arg.get_id().as_str();
                let source = match matches.value_source(key) {
                    Some(ValueSource::CommandLine) => Source::Flag,
                    Some(ValueSource::EnvVariable) => Source::Env,
                    _ if file.is_some_and(|file| file.get(key).is_some()) => Source::File,
                    _ => Source::Default,
                };
                let value = matches.get_raw(key).map(|values| {
                    values
                        .map(|v| v.to_string_lossy())
                        .collect::<Vec<_>>()
                        .join(",")
                });
                Effective {
                    key: key.to_owned(),
                    value,
                    source,
                }
            })
            .collect();
        Self(settings)
    }

    /// The setting `key`, if known.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Effective> {
        self.0.iter().find(|s| s.key == key)
    }

    /// Every setting, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = &Effective> {
        self.0.iter()
    }

    /// The value of `key` as given, if set.
    #[must_use]
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|s| s.value.as_deref())
    }

    /// Where `key` came from, if known.
    #[must_use]
    pub fn source(&self, key: &str) -> Option<&'static str> {
        self.get(key).map(|s| s.source.as_str())
    }
}

/// A configuration file that cannot be used; each names the file, and the
/// line and key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{}: cannot read the configuration file: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("{}: not a TOML file: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML parser's message, with the line.
        message: String,
    },
    /// A key that is no setting.
    #[error("{}:{line}: unknown key `{key}`{}{}", path.display(), hint.as_ref().map_or_else(String::new, |h| format!(": did you mean `{h}`?")), known_keys())]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The line of the key, from 1.
        line: usize,
        /// The key.
        key: String,
        /// The nearest known key, if one is near.
        hint: Option<String>,
    },
    /// A value that is a table, an array or a date.
    #[error("{}:{line}: `{key}` must be a string or a number, not a TOML {found}", path.display())]
    NotAValue {
        /// The file.
        path: PathBuf,
        /// The line of the key, from 1.
        line: usize,
        /// The key.
        key: String,
        /// The TOML type found.
        found: &'static str,
    },
    /// A value the setting refuses, as its flag would.
    #[error("{}:{line}: `{key}` = {value:?} is not valid: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line of the key, from 1.
        line: usize,
        /// The key.
        key: String,
        /// The value, as text.
        value: String,
        /// Why it is refused.
        reason: String,
    },
}

/// A `Result` whose error is a [`ConfigError`].
pub type Result<T, E = ConfigError> = std::result::Result<T, E>;

fn known_keys() -> String {
    let keys: Vec<String> = file_keys().iter().map(|k| format!("`{k}`")).collect();
    format!(" (the keys are {})", keys.join(", "))
}

/// The settings of a configuration file, checked: every key known, every
/// value one its flag would take. Values are kept as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSettings {
    path: PathBuf,
    values: Vec<(String, String)>,
}

impl FileSettings {
    /// Reads and checks the file at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Checks `text`, the content of the file `path` (named in errors).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use dezone::config::FileSettings;
    ///
    /// let file = FileSettings::parse(Path::new("dezone.toml"), "max_batch_points = 500\n").unwrap();
    /// assert_eq!(file.get("max_batch_points"), Some("500"));
    ///
    /// let error = FileSettings::parse(Path::new("dezone.toml"), "max_batch_point = 500\n").unwrap_err();
    /// assert!(error.to_string().starts_with(
    ///     "dezone.toml:1: unknown key `max_batch_point`: did you mean `max_batch_points`?"
    /// ));
    /// ```
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        type Spanned<T> = toml::Spanned<T>;
        let table: std::collections::BTreeMap<Spanned<String>, Spanned<toml::Value>> =
            toml::from_str(text).map_err(|e| ConfigError::Parse {
                path: path.to_owned(),
                message: e.to_string().trim_end().to_owned(),
            })?;
        let mut entries: Vec<_> = table.into_iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        let arguments = arguments();
        let mut values = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let line = text[..key.span().start].matches('\n').count() + 1;
            let key = key.into_inner();
            let Some(arg) = arguments
                .iter()
                .find(|arg| arg.get_id() == key.as_str() && key != CONFIG_KEY)
            else {
                return Err(ConfigError::UnknownKey {
                    path: path.to_owned(),
                    line,
                    hint: hint(&key),
                    key,
                });
            };
            let value = match value.into_inner() {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(ConfigError::NotAValue {
                        path: path.to_owned(),
                        line,
                        key,
                        found: other.type_str(),
                    });
                }
            };
            if let Err(reason) = check(arg, &value) {
                return Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    line,
                    key,
                    value,
                    reason,
                });
            }
            values.push((key, value));
        }
        Ok(Self {
            path: path.to_owned(),
            values,
        })
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value of `key` as text, if the file sets it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `serve` (the subcommand built from [`Config`]) with the file's values
    /// as its defaults: a flag or a variable still wins over them.
    #[must_use]
    pub fn as_defaults(&self, serve: clap::Command) -> clap::Command {
        self.values.iter().fold(serve, |serve, (key, value)| {
            serve.mut_arg(key, |arg| arg.default_value(value.clone()))
        })
    }
}

/// Parses `value` with `arg`'s own parser, alone, as if given as its flag.
/// A switch (a flag that takes no value) takes `true` or `false` in a file.
fn check(arg: &Arg, value: &str) -> std::result::Result<(), String> {
    if !arg.get_action().takes_values() {
        return match value {
            "true" | "false" => Ok(()),
            _ => Err("expected `true` or `false`".to_owned()),
        };
    }
    let long = arg.get_long().unwrap_or_else(|| arg.get_id().as_str());
    let probe = clap::Command::new("dezone")
        .no_binary_name(true)
        .disable_help_flag(true)
        .arg(arg.clone().env(None).default_value(None).required(true));
    match probe.try_get_matches_from([format!("--{long}={value}")]) {
        Ok(_) => Ok(()),
        Err(e) => Err(reason(&e)),
    }
}

/// What a clap error says about the value, without the flag's usage.
fn reason(error: &clap::Error) -> String {
    if let Some(source) = std::error::Error::source(error) {
        return source.to_string();
    }
    if let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue) {
        let valid: Vec<String> = valid.iter().map(|v| format!("`{v}`")).collect();
        return format!("expected one of {}", valid.join(", "));
    }
    error.kind().to_string()
}

/// The known key an unknown one most likely meant: the same key in another
/// case or in kebab-case, an environment variable's name, or a near spelling.
fn hint(key: &str) -> Option<String> {
    let keys = file_keys();
    let lower = key
        .trim_start_matches('-')
        .to_ascii_lowercase()
        .replace('-', "_");
    let lower = lower.strip_prefix("dezone_").unwrap_or(&lower);
    if let Some(key) = keys.iter().find(|k| k.as_str() == lower) {
        return Some(key.clone());
    }
    keys.iter()
        .map(|k| (strsim::damerau_levenshtein(lower, k), k))
        .filter(|(d, k)| *d * 3 <= k.len())
        .min()
        .map(|(_, k)| k.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};

    /// Writes `text` to a file of its own in the temporary directory.
    fn file(name: &str, text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("dezone-config-{}-{name}.toml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn serve(args: &[&str]) -> Config {
        let args = ["dezone", "serve"].iter().chain(args);
        match Cli::load_from(args).unwrap().command {
            Command::Serve(config) => *config,
            other => panic!("not serve: {other:?}"),
        }
    }

    fn parse(text: &str) -> Result<FileSettings> {
        FileSettings::parse(Path::new("dezone.toml"), text)
    }

    #[test]
    fn a_base_url_is_an_http_url_with_a_host() {
        for good in [
            "",
            "https://maps.example.org/dezone",
            "http://127.0.0.1:8080",
            "https://example.org/",
        ] {
            assert_eq!(base_url(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "example.org",
            "/dezone",
            "javascript:alert(1)",
            "ftp://example.org",
            "https://exa mple.org",
            "https://example.org/dezone?x=1",
            "https://example.org/dezone#top",
            "https:///dezone",
        ] {
            let why = base_url(bad).unwrap_err();
            assert!(
                why.contains("expected an http:// or https:// URL"),
                "{bad}: {why}"
            );
        }
        let path = file("bad-base-url", "base_url = \"example.org\"\n");
        let args = ["dezone", "serve", "--config", path.to_str().unwrap()];
        let error = Cli::load_from(args).unwrap_err().to_string();
        assert!(error.contains("base_url"), "{error}");
    }

    #[test]
    fn flag_beats_file_which_beats_default() {
        let path = file(
            "precedence",
            "max_batch_points = 7\nmax_body_bytes = 2048\nlog_format = \"json\"\n",
        );
        let config = serve(&[
            "--config",
            path.to_str().unwrap(),
            "--max-body-bytes",
            "4096",
        ]);
        assert_eq!(config.max_batch_points, 7);
        assert_eq!(config.max_body_bytes, 4096);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.geodata, None);

        let source = |key| config.provenance.get(key).unwrap().source;
        assert_eq!(source("max_batch_points"), Source::File);
        assert_eq!(source("max_body_bytes"), Source::Flag);
        assert_eq!(source("log_format"), Source::File);
        assert_eq!(source("addr"), Source::Default);
        assert_eq!(source("geodata"), Source::Default);
        assert_eq!(source("config"), Source::Flag);
        assert_eq!(config.provenance.value("max_batch_points"), Some("7"));
        assert_eq!(config.provenance.value("max_body_bytes"), Some("4096"));
        assert_eq!(config.provenance.value("addr"), Some("127.0.0.1:8080"));
        assert_eq!(config.provenance.value("geodata"), None);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn file_sets_optional_paths_and_strings_as_their_flags_would() {
        let path = file(
            "paths",
            "geodata = \"tests/fixtures/zones.geojson\"\nframe_ancestors = \"  'self'  \"\naddr = \"0.0.0.0:9000\"\n",
        );
        let config = serve(&["--config", path.to_str().unwrap()]);
        assert_eq!(
            config.geodata.as_deref(),
            Some(Path::new("tests/fixtures/zones.geojson"))
        );
        assert_eq!(config.frame_ancestors, "'self'", "trimmed by its parser");
        assert_eq!(config.addr.to_string(), "0.0.0.0:9000");
        assert_eq!(
            config.provenance.get("geodata").unwrap().source,
            Source::File
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn without_a_file_every_setting_is_flag_or_default() {
        let config = serve(&["--addr", "127.0.0.1:0"]);
        let sources: Vec<_> = config
            .provenance
            .iter()
            .map(|s| (s.key.as_str(), s.source))
            .collect();
        let keys = file_keys();
        let mut expected = vec![("config", Source::Default)];
        expected.extend(keys.iter().map(|k| {
            let source = if k == "addr" {
                Source::Flag
            } else {
                Source::Default
            };
            (k.as_str(), source)
        }));
        assert_eq!(sources, expected);
    }

    #[test]
    fn unknown_key_is_refused_naming_line_key_and_nearest_key() {
        let error = parse("addr = \"127.0.0.1:1\"\n\nmax_batch_point = 5\n").unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with(
                "dezone.toml:3: unknown key `max_batch_point`: did you mean `max_batch_points`? (the keys are `addr`, "
            ),
            "{text}"
        );
        assert!(matches!(error, ConfigError::UnknownKey { line: 3, .. }));
    }

    #[test]
    fn kebab_case_and_variable_names_are_pointed_to_the_snake_case_key() {
        for (key, meant) in [
            ("max-batch-points", "max_batch_points"),
            ("DEZONE_BASE_URL", "base_url"),
            ("Log_Format", "log_format"),
        ] {
            let error = parse(&format!("{key} = 1\n")).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains(&format!("unknown key `{key}`: did you mean `{meant}`?")),
                "{error}"
            );
        }
    }

    #[test]
    fn far_unknown_key_gets_no_guess_and_config_is_not_a_file_key() {
        let text = parse("colour = \"blue\"\n").unwrap_err().to_string();
        assert!(
            text.starts_with("dezone.toml:1: unknown key `colour` (the keys are"),
            "{text}"
        );
        let text = parse("config = \"other.toml\"\n").unwrap_err().to_string();
        assert!(text.contains("unknown key `config`"), "{text}");
        let text = parse("[serve]\naddr = \"127.0.0.1:1\"\n")
            .unwrap_err()
            .to_string();
        assert!(text.contains("unknown key `serve`"), "{text}");
    }

    #[test]
    fn bad_values_are_refused_as_their_flags_refuse_them() {
        let cases = [
            (
                "max_batch_points = -1",
                "`max_batch_points` = \"-1\" is not valid: invalid digit",
            ),
            (
                "addr = \"localhost\"",
                "`addr` = \"localhost\" is not valid: invalid socket address syntax",
            ),
            (
                "log_format = \"xml\"",
                "`log_format` = \"xml\" is not valid: expected one of `text`, `json`",
            ),
            (
                "frame_ancestors = \"\"",
                "`frame_ancestors` = \"\" is not valid: is empty",
            ),
            (
                "max_body_bytes = [1]",
                "`max_body_bytes` must be a string or a number, not a TOML array",
            ),
            // Limits that would refuse every request.
            (
                "max_batch_points = 0",
                "`max_batch_points` = \"0\" is not valid: 0 is not in 1..",
            ),
            (
                "max_uri_bytes = 1",
                "`max_uri_bytes` = \"1\" is not valid: 1 is not in 256..",
            ),
            (
                "max_body_bytes = 0",
                "`max_body_bytes` = \"0\" is not valid: 0 is not in 256..",
            ),
            (
                "max_header_bytes = 255",
                "`max_header_bytes` = \"255\" is not valid: 255 is not in 256..",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(&format!("# comment\n{text}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with(&format!("dezone.toml:2: {expected}")),
                "{error}"
            );
        }
        let error = parse("addr = \n").unwrap_err().to_string();
        assert!(
            error.starts_with("dezone.toml: not a TOML file: TOML parse error at line 1"),
            "{error}"
        );
    }

    #[test]
    fn unreadable_file_is_named() {
        let error = FileSettings::read(Path::new("/nonexistent/dezone.toml")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("/nonexistent/dezone.toml: cannot read the configuration file:"),
            "{error}"
        );
    }

    #[test]
    fn a_switch_is_set_by_true_or_false_in_a_file() {
        let switch = Arg::new("verbose")
            .long("verbose")
            .action(clap::ArgAction::SetTrue);
        assert_eq!(check(&switch, "true"), Ok(()));
        assert_eq!(check(&switch, "false"), Ok(()));
        assert_eq!(
            check(&switch, "yes"),
            Err("expected `true` or `false`".to_owned())
        );
        let serve = || clap::Command::new("serve").arg(switch.clone());
        let file = |value: &str| FileSettings {
            path: PathBuf::from("dezone.toml"),
            values: vec![("verbose".to_owned(), value.to_owned())],
        };
        let verbose = |command: clap::Command, args: &[&str]| {
            command.get_matches_from(args).get_flag("verbose")
        };
        assert!(verbose(file("true").as_defaults(serve()), &["serve"]));
        assert!(!verbose(file("false").as_defaults(serve()), &["serve"]));
        assert!(verbose(
            file("false").as_defaults(serve()),
            &["serve", "--verbose"]
        ));
        assert!(!verbose(serve(), &["serve"]));
    }

    /// `dezone.example.toml` lists every key once, commented out, with its
    /// default (or an example, for settings without one), and loads.
    #[test]
    fn example_file_lists_every_key_with_its_default() {
        let example = include_str!("../dezone.example.toml");
        let lines: Vec<&str> = example
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| {
                line.split_once(" = ").is_some_and(|(key, _)| {
                    !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                })
            })
            .collect();
        let settings = parse(&lines.join("\n")).unwrap();
        let listed: Vec<&str> = lines
            .iter()
            .map(|line| line.split_once(" = ").unwrap().0)
            .collect();
        assert_eq!(listed, file_keys(), "every key, once, in declaration order");
        for arg in arguments().iter().filter(|a| a.get_id() != CONFIG_KEY) {
            let key = arg.get_id().as_str();
            let flag = format!("--{}", arg.get_long().unwrap());
            let env = arg.get_env().unwrap().to_string_lossy();
            assert!(
                example.contains(&format!("# {flag}, {env}\n")),
                "{key}: names {flag} and {env}"
            );
            if let Some(default) = arg.get_default_values().first() {
                assert_eq!(
                    Some(default.to_string_lossy().as_ref()),
                    settings.get(key),
                    "{key}: its default"
                );
            }
        }
    }
}
