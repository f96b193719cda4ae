//! Memory does not grow with an object's size: uploading (`put_file`),
//! re-uploading (the identical-bytes check) and downloading a file many
//! times the bound keep the heap within the bound, on the local backend and
//! on moto's S3 (multipart parts over HTTP, the way a bucket is written).
//!
//! The heap is measured by a counting global allocator, so whatever would
//! hold the bytes (the store, object_store, the HTTP client, tokio's file
//! buffers) is counted, not only what the store means to hold. Each test
//! binary is its own process, and the scenarios run one after another
//! (one `#[test]`), so no other test's allocations are counted.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use common::MIB;
use sha2::{Digest, Sha256};
use store::{PARTS_IN_FLIGHT, Progress, PutOutcome, S3Credentials, Store, StoreOptions};
use testsupport::moto::{ACCESS_KEY_ID, MotoServer, SECRET_ACCESS_KEY};

/// The heap in use now, and the most it was in use since [`reset_peak`].
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: every call goes to `System` unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

fn grow(n: usize) {
    let now = CURRENT.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

fn reset_peak() -> usize {
    let now = CURRENT.load(Relaxed);
    PEAK.store(now, Relaxed);
    now
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Parts of 5 MiB (S3's minimum), so the bound is 10 MiB whichever of the
/// threshold and the parts in flight sets it.
const PART: usize = 5 * MIB;
const BOUND: usize = PARTS_IN_FLIGHT * PART;
/// What the transfer machinery holds besides the parts (HTTP and file
/// buffers, the runtime's tasks): about 1.3 MiB for a download from moto.
/// Less than a part, so a third part held (reading the next chunk before a
/// part has been sent) fails too.
const SLACK: usize = 3 * MIB;
/// The file: eight times the bound, so reading it whole cannot pass.
const SIZE: usize = 8 * BOUND;

fn options() -> StoreOptions {
    StoreOptions {
        progress: Progress::Never,
        multipart_threshold: BOUND as u64,
        part_size: PART,
        max_retries: 2,
        ..StoreOptions::default()
    }
}

/// A file of `SIZE` bytes, no two MiB alike; its sha256.
fn write_file(path: &Path) -> [u8; 32] {
    let block = common::content(MIB, 9);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut h = Sha256::new();
    for i in 0..SIZE / MIB {
        let mut b = block.to_vec();
        b[..8].copy_from_slice(&(i as u64).to_le_bytes());
        h.update(&b);
        f.write_all(&b).unwrap();
    }
    f.into_inner().unwrap().sync_all().unwrap();
    h.finalize().into()
}

/// The most the heap grew during `op`.
async fn peak_growth<T>(op: impl Future<Output = T>) -> (T, usize) {
    let base = reset_peak();
    let out = op.await;
    (out, PEAK.load(Relaxed).saturating_sub(base))
}

/// Uploads, re-uploads and downloads the file through `store`; each step's
/// heap growth must stay within the bound.
async fn transfer(store: &Store, dir: &Path, file: &Path, digest: [u8; 32], backend: &str) {
    let (created, up) = peak_growth(store.put_file("pool/big.deb", file)).await;
    assert_eq!(created.unwrap(), PutOutcome::Created);
    let (again, reup) = peak_growth(store.put_file("pool/big.deb", file)).await;
    assert_eq!(again.unwrap(), PutOutcome::AlreadyIdentical);
    let back = dir.join(format!("back-{backend}"));
    let (got, down) = peak_growth(store.download("pool/big.deb", &back)).await;
    assert_eq!(got.unwrap(), Some((SIZE as u64, digest)));
    assert_eq!(std::fs::metadata(&back).unwrap().len(), SIZE as u64);
    std::fs::remove_file(&back).unwrap();
    for (step, grew) in [
        ("put_file", up),
        ("put_file again", reup),
        ("download", down),
    ] {
        eprintln!(
            "{backend} {step}: heap grew {:.1} MiB for a {} MiB file",
            grew as f64 / MIB as f64,
            SIZE / MIB
        );
        assert!(
            grew <= BOUND + SLACK,
            "{backend} {step} of a {} MiB file grew the heap by {:.1} MiB, more than {} MiB \
             ({PARTS_IN_FLIGHT} parts of {} MiB and {} MiB for buffers)",
            SIZE / MIB,
            grew as f64 / MIB as f64,
            (BOUND + SLACK) / MIB,
            PART / MIB,
            SLACK / MIB
        );
    }
}

#[test]
fn memory_does_not_grow_with_the_object() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.deb");
    let digest = write_file(&file);

    let local = Store::open(dir.path().join("bucket").to_str().unwrap(), &options()).unwrap();
    rt.block_on(transfer(&local, dir.path(), &file, digest, "local"));

    let moto = MotoServer::start().expect("moto_server");
    moto.create_bucket("pkgs");
    let opts = StoreOptions {
        s3_endpoint: Some(moto.endpoint()),
        s3_credentials: Some(S3Credentials {
            access_key_id: ACCESS_KEY_ID.into(),
            secret_access_key: SECRET_ACCESS_KEY.into(),
        }),
        ..options()
    };
    let s3 = Store::open("s3://pkgs/memory", &opts).unwrap();
    rt.block_on(transfer(&s3, dir.path(), &file, digest, "s3"));
}
