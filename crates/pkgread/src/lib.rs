//! Reader of built packages (in progress).
