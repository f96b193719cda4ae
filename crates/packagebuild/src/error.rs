use std::path::PathBuf;

/// Why a package build failed. Each message names the input and says what
/// to do.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A missing, malformed or contradictory option.
    #[error("{0}")]
    Usage(String),

    /// The source could not be prepared.
    #[error(transparent)]
    Source(#[from] sourcetree::SourceError),

    /// The workspace handoff failed.
    #[error(transparent)]
    Handoff(#[from] handoff::HandoffError),

    /// Staging failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),

    /// The packaging files are wrong (no `Source:`, no spec, no `Name:`...).
    #[error("{path}: {detail}")]
    Packaging {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong and what to do.
        detail: String,
    },

    /// A build tool is not installed.
    #[error("{tool} is not installed: {install}")]
    ToolMissing {
        /// The program.
        tool: String,
        /// How to install it.
        install: String,
    },

    /// Build dependencies are missing.
    #[error("missing build dependencies: {}; install them (as root: apt-get satisfy -y '{}') or pass --install-build-deps", deps.join(", "), deps.join(", "))]
    MissingBuildDeps {
        /// The unmet dependencies, as the packaging names them.
        deps: Vec<String>,
    },

    /// A build tool failed.
    #[error("{tool} failed (exit code {code}); full log: {}; last lines:\n{tail}{}", log.display(), note.as_deref().map(|n| format!("\n{n}")).unwrap_or_default())]
    ToolFailed {
        /// The command.
        tool: String,
        /// Its exit code (-1 when killed by a signal).
        code: i32,
        /// The log file.
        log: PathBuf,
        /// The last lines of the log.
        tail: String,
        /// What else may explain the failure (e.g. build dependencies that
        /// were not checked).
        note: Option<String>,
    },

    /// A destination already holds other bytes under an artifact's name;
    /// checked before anything is written, so nothing was.
    #[error(
        "{url} already exists with different content: another build of {file} is there; nothing was copied or staged. {hint}"
    )]
    Destination {
        /// The object.
        url: String,
        /// The artifact.
        file: String,
        /// What to do, for this kind of destination.
        hint: &'static str,
    },

    /// A produced package is not what was asked for.
    #[error("{file}: {detail}; nothing was uploaded")]
    Verify {
        /// The package file.
        file: PathBuf,
        /// What differs.
        detail: String,
    },

    /// A local file operation failed.
    #[error(transparent)]
    Io(#[from] fs_error::FsError),

    /// Go could not be set up, or a module could not be prefetched.
    #[error(transparent)]
    Go(#[from] go_cmd::GoError),

    /// The extra repository (`--extra-repo`) cannot be used.
    #[error("--extra-repo {repo}: {detail}")]
    ExtraRepo {
        /// As given (credentials hidden).
        repo: String,
        /// What is wrong and what to do.
        detail: String,
    },
}

/// Why a produced package could not be read back for verification. The
/// messages leave out the file: [`BuildError::Verify`] names it.
#[derive(Debug, thiserror::Error)]
pub enum ReadBackError {
    /// The file is not a package that `pkgread` reads.
    #[error(transparent)]
    Read(#[from] pkgread::ReadError),
    /// A format's own reader failed (googet's).
    #[error(transparent)]
    Format(Box<dyn std::error::Error + Send + Sync>),
    /// The format's reader read the package and found these problems.
    #[error("{}", .0.join("; "))]
    Problems(Vec<String>),
    /// The file is not named as its metadata says it must be.
    #[error("the file is named {found}, but its spec says {expected}")]
    FileName {
        /// The file's name.
        found: String,
        /// The name its spec gives.
        expected: String,
    },
}

impl BuildError {
    /// The documented exit code: 1 failure, 2 usage, 3 conflict.
    pub fn exit_code(&self) -> i32 {
        match self {
            BuildError::Usage(_)
            | BuildError::Handoff(handoff::HandoffError::InvalidTarget(_))
            | BuildError::Source(sourcetree::SourceError::BadBuildDir { .. }) => 2,
            BuildError::Store(e) if e.is_conflict() => 3,
            BuildError::Destination { .. } => 3,
            BuildError::Source(sourcetree::SourceError::Dirty { .. }) => 2,
            BuildError::Store(
                store::StoreError::UnknownScheme { .. } | store::StoreError::InvalidUrl { .. },
            ) => 2,
            _ => 1,
        }
    }
}
