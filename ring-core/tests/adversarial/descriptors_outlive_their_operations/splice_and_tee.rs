//! The rule for operations that move bytes between two descriptors: splice
//! and tee from or into a dropped file or pipe use the named ones.

use super::*;

/// Path: `Batch`; the descriptor is a splice's *input*. The caller drops
/// the named file before the splice is submitted and opens another; the
/// pipe receives the named file's bytes.
#[test]
fn a_splice_from_a_dropped_file_moves_the_named_files_bytes() {
    let _t = turn();
    let (named_path, other_path) = (scratch("splice-in-named"), scratch("splice-in-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let Some((rd, wr)) = pipe(&d, "splice input") else { return };
    let named = Rc::new(file_with(&named_path, b"named bytes"));
    let number = named.as_raw_fd();
    let mut op = d.splice(&named, Some(0), &wr, None, 11, 0);
    assert!(poll_once(&mut op).is_pending());
    drop(named);
    let other = file_with(&other_path, b"other bytes");
    let reused = other.as_raw_fd() == number;
    assert_eq!(finish(&d, op).unwrap(), 11);
    let mut got = [0u8; 11];
    (&*rd).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"named bytes", "the splice read another file");
    assert!(!reused, "the input's number was freed while the splice still named it");
}

/// Path: `Batch`; the descriptor is a splice's *output*, and the future is
/// forgotten.
#[test]
fn a_splice_into_a_dropped_file_forgotten_before_the_park_writes_the_named_file() {
    let _t = turn();
    let (named_path, other_path) = (scratch("splice-out-named"), scratch("splice-out-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let Some((rd, wr)) = pipe(&d, "splice output") else { return };
    let full = d.credits();
    (&*wr).write_all(b"spliced").unwrap();
    let named = Rc::new(file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut op = d.splice(&rd, None, &named, Some(0), 7, 0);
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    drop(named);
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", b"spliced", reused);
}

/// Path: `Batch`; the descriptor is a tee's input pipe. The caller drops
/// its read end before the tee is submitted; a new pipe, whose read end
/// takes the lowest free number, holds other bytes. The tee copies the
/// named pipe's bytes.
#[test]
fn a_tee_from_a_dropped_pipe_copies_the_named_pipes_bytes() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let Some((named_rd, named_wr)) = pipe(&d, "tee") else { return };
    let Some((out_rd, out_wr)) = pipe(&d, "tee") else { return };
    (&*named_wr).write_all(b"named").unwrap();
    let number = named_rd.as_raw_fd();
    let mut op = d.tee(&named_rd, &out_wr, 5, 0);
    assert!(poll_once(&mut op).is_pending());
    drop(named_rd);
    let (other_rd, other_wr) = pipe(&d, "tee").unwrap();
    (&*other_wr).write_all(b"other").unwrap();
    let reused = other_rd.as_raw_fd() == number;
    assert_eq!(finish(&d, op).unwrap(), 5);
    let mut got = [0u8; 5];
    (&*out_rd).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"named", "the tee copied another pipe");
    assert!(!reused, "the input's number was freed while the tee still named it");
}
