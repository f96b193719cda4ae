//! Parallel gzip, pigz-style: the stream is cut into fixed-size chunks,
//! each compressed on its own thread as raw deflate primed with the 32 KiB
//! before it and ended with a sync flush (the last one with the final
//! block), so that the pieces concatenate into one ordinary gzip member
//! that any gzip reader (Go's included) accepts; the CRC-32s are combined.
//! Chunk boundaries do not depend on the number of threads, so the bytes
//! do not either. At most `2 × threads + 2` chunks are in flight, so memory
//! stays bounded whatever the input size.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use zlib_rs::{Deflate, DeflateFlush, Status};

/// Uncompressed bytes per chunk.
pub const CHUNK: usize = 1 << 20;
/// The deflate window, primed from the previous chunk.
const DICT: usize = 32 * 1024;
/// goopack's header: no name, mtime 0, no extra flags, OS 255 (unknown).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// How to compress.
#[derive(Debug, Clone, Copy)]
pub struct GzOptions {
    /// zlib level, 1 to 9 (6, gzip's default, unless told otherwise).
    pub level: i32,
    /// Compression threads (at least 1).
    pub threads: usize,
}

impl Default for GzOptions {
    fn default() -> GzOptions {
        GzOptions {
            level: 6,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

struct Job {
    seq: u64,
    data: Vec<u8>,
    dict: Vec<u8>,
    last: bool,
}

struct Done {
    seq: u64,
    compressed: Result<Vec<u8>, String>,
    crc: u32,
    len: u64,
    last: bool,
}

/// The producer's end: buffers written bytes into chunks and hands them to
/// the compressors.
pub struct Chunker {
    buf: Vec<u8>,
    dict: Vec<u8>,
    seq: u64,
    jobs: SyncSender<Job>,
    slots: Receiver<()>,
    stopped: bool,
}

fn stopped() -> io::Error {
    io::Error::other("the compressed output stopped")
}

impl Chunker {
    fn send(&mut self, last: bool) -> io::Result<()> {
        if self.slots.recv().is_err() {
            self.stopped = true;
            return Err(stopped());
        }
        let data = std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(if last { 0 } else { CHUNK }),
        );
        let tail = data.len().saturating_sub(DICT);
        let dict = std::mem::replace(&mut self.dict, data[tail..].to_vec());
        self.jobs
            .send(Job {
                seq: self.seq,
                data,
                dict,
                last,
            })
            .map_err(|_| {
                self.stopped = true;
                stopped()
            })?;
        self.seq += 1;
        Ok(())
    }
}

impl Write for Chunker {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let n = data.len();
        while !data.is_empty() {
            let room = CHUNK - self.buf.len();
            let take = room.min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == CHUNK {
                self.send(false)?;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What [`compress`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct GzStats {
    /// Uncompressed bytes.
    pub uncompressed: u64,
    /// Bytes written to the output.
    pub compressed: u64,
}

/// Why [`compress`] failed.
#[derive(Debug)]
pub enum CompressError<E> {
    /// The producer failed.
    Produce(E),
    /// Writing (or compressing) the output failed.
    Output(io::Error),
}

/// Runs `produce` with a writer whose bytes end up gzip-compressed in `out`
/// (on `opts.threads` threads). Returns `produce`'s value, the output and
/// the sizes. When the output fails first, its error is returned, not the
/// producer's consequent one.
pub fn compress<W, T, E>(
    out: W,
    opts: GzOptions,
    produce: impl FnOnce(&mut Chunker) -> Result<T, E>,
) -> Result<(T, W, GzStats), CompressError<E>>
where
    W: Write + Send,
{
    let threads = opts.threads.max(1);
    let level = opts.level.clamp(1, 9);
    let in_flight = 2 * threads + 2;
    std::thread::scope(|s| {
        let (job_tx, job_rx) = sync_channel::<Job>(in_flight);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = channel::<Done>();
        let (slot_tx, slot_rx) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = slot_tx.send(());
        }
        for _ in 0..threads {
            let rx = Arc::clone(&job_rx);
            let tx = done_tx.clone();
            s.spawn(move || worker(level, &rx, &tx));
        }
        drop(done_tx);
        let writer = s.spawn(move || write_out(out, &done_rx, &slot_tx));
        let mut chunker = Chunker {
            buf: Vec::with_capacity(CHUNK),
            dict: Vec::new(),
            seq: 0,
            jobs: job_tx,
            slots: slot_rx,
            stopped: false,
        };
        let produced = produce(&mut chunker);
        if produced.is_ok() && chunker.send(true).is_err() {
            chunker.stopped = true;
        }
        let output_stopped = chunker.stopped;
        drop(chunker);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the gzip writer panicked")));
        match (produced, written) {
            (Ok(value), Ok((out, stats))) if !output_stopped => Ok((value, out, stats)),
            (Ok(_), Ok(_)) => Err(CompressError::Output(stopped())),
            // The output failed first; its error says why.
            (Err(_), Err(w)) if output_stopped => Err(CompressError::Output(w)),
            (Err(e), _) => Err(CompressError::Produce(e)),
            (Ok(_), Err(w)) => Err(CompressError::Output(w)),
        }
    })
}

fn worker(level: i32, jobs: &Mutex<Receiver<Job>>, done: &Sender<Done>) {
    let mut deflate = Deflate::new(level, false, 15);
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else { return };
        let compressed = deflate_chunk(&mut deflate, &job);
        let result = Done {
            seq: job.seq,
            compressed,
            crc: crc32fast::hash(&job.data),
            len: job.data.len() as u64,
            last: job.last,
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

/// One chunk as raw deflate, primed with the previous 32 KiB, ending with
/// a sync flush (or the final block).
fn deflate_chunk(d: &mut Deflate, job: &Job) -> Result<Vec<u8>, String> {
    d.reset();
    if !job.dict.is_empty() {
        d.set_dictionary(&job.dict)
            .map_err(|e| format!("deflate dictionary: {}", e.as_str()))?;
    }
    let flush = if job.last {
        DeflateFlush::Finish
    } else {
        DeflateFlush::SyncFlush
    };
    let mut out = vec![0u8; job.data.len() + job.data.len() / 8 + 1024];
    let mut used = 0usize;
    let mut input = &job.data[..];
    loop {
        if out.len() - used < 1024 {
            out.resize(out.len() * 2, 0);
        }
        let (in0, out0) = (d.total_in(), d.total_out());
        let status = d
            .compress(input, &mut out[used..], flush)
            .map_err(|e| format!("deflate: {}", e.as_str()))?;
        let consumed = (d.total_in() - in0) as usize;
        let produced = (d.total_out() - out0) as usize;
        input = &input[consumed..];
        let room_left = out.len() - used - produced;
        used += produced;
        let finished = match flush {
            DeflateFlush::Finish => status == Status::StreamEnd,
            _ => input.is_empty() && room_left > 0,
        };
        if finished {
            out.truncate(used);
            return Ok(out);
        }
        if consumed == 0 && produced == 0 && room_left > 0 {
            return Err("deflate made no progress".into());
        }
    }
}

fn write_out<W: Write>(
    mut out: W,
    done: &Receiver<Done>,
    slots: &SyncSender<()>,
) -> io::Result<(W, GzStats)> {
    out.write_all(&HEADER)?;
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    let mut crc = crc32fast::Hasher::new();
    let mut stats = GzStats {
        uncompressed: 0,
        compressed: HEADER.len() as u64,
    };
    for d in done {
        pending.insert(d.seq, d);
        while let Some(d) = pending.remove(&next) {
            let bytes = d.compressed.map_err(io::Error::other)?;
            out.write_all(&bytes)?;
            stats.compressed += bytes.len() as u64;
            stats.uncompressed += d.len;
            crc.combine(&crc32fast::Hasher::new_with_initial_len(d.crc, d.len));
            next += 1;
            let _ = slots.send(());
            if d.last {
                let crc = crc.finalize();
                out.write_all(&crc.to_le_bytes())?;
                out.write_all(&(stats.uncompressed as u32).to_le_bytes())?;
                out.flush()?;
                stats.compressed += 8;
                return Ok((out, stats));
            }
        }
    }
    Err(io::Error::other("the compressed stream ended early"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gz(data: &[u8], threads: usize) -> Vec<u8> {
        let opts = GzOptions { level: 6, threads };
        let ((), out, stats) = compress(Vec::new(), opts, |w| -> io::Result<()> {
            // Odd write sizes cross chunk boundaries.
            for piece in data.chunks(77_777) {
                w.write_all(piece)?;
            }
            Ok(())
        })
        .map_err(|_| "compress failed")
        .unwrap();
        assert_eq!(stats.uncompressed, data.len() as u64);
        assert_eq!(stats.compressed, out.len() as u64);
        out
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn sample(len: usize) -> Vec<u8> {
        let mut seed = 7u64;
        (0..len)
            .map(|i| {
                if (i / 100_000) % 2 == 0 {
                    b"some text that repeats itself "[i % 30]
                } else {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                }
            })
            .collect()
    }

    #[test]
    fn round_trips_one_member_and_is_the_same_for_any_thread_count() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12_345] {
            let data = sample(len);
            let one = gz(&data, 1);
            assert_eq!(gunzip(&one), data, "len {len}");
            assert_eq!(&one[..10], &HEADER);
            assert_eq!(gz(&data, 3), one, "len {len}: bytes depend on threads");
            // One member: a single-member decoder reads it all.
            let mut d = flate2::read::GzDecoder::new(&one[..]);
            let mut sink = Vec::new();
            d.read_to_end(&mut sink).unwrap();
            assert_eq!(sink.len(), len);
        }
    }

    #[test]
    fn priming_with_the_previous_chunk_keeps_the_size_of_one_stream() {
        // A random 16 KiB block over and over: each chunk starts with a
        // copy of what ends the previous one, which only priming finds
        // (unprimed, every chunk would store the block once more).
        let block = sample(200_000)[100_000..100_000 + 16 * 1024].to_vec();
        let data: Vec<u8> = block.iter().copied().cycle().take(4 * CHUNK).collect();
        let ours = gz(&data, 2).len();
        let mut d = Deflate::new(6, false, 15);
        let mut whole = vec![0u8; data.len() + 4096];
        assert_eq!(
            d.compress(&data, &mut whole, DeflateFlush::Finish).unwrap(),
            Status::StreamEnd
        );
        let one_stream = d.total_out() as usize + HEADER.len() + 8;
        assert!(ours <= one_stream + 1024, "{ours} vs {one_stream}");
    }

    #[test]
    fn an_error_of_the_producer_wins() {
        let r: Result<((), Vec<u8>, GzStats), _> =
            compress(Vec::new(), GzOptions::default(), |w| {
                w.write_all(&sample(CHUNK * 2))?;
                Err(io::Error::other("boom"))
            });
        match r {
            Err(CompressError::Produce(e)) => assert_eq!(e.to_string(), "boom"),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn an_output_error_stops_the_producer() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let r = compress(
            Full,
            GzOptions {
                level: 1,
                threads: 2,
            },
            |w| {
                for _ in 0..100 {
                    w.write_all(&sample(CHUNK))?;
                }
                Ok::<_, io::Error>(())
            },
        );
        match r {
            Err(CompressError::Output(e)) => assert_eq!(e.to_string(), "disk full"),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
}
