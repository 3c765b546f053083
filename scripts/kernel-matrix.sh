#!/usr/bin/env bash
# The kernel matrix: every real-kernel test binary of the workspace and the
# tour example, on the host's kernel and on Debian 12's own kernels (the
# 6.1 LTS the release ships and the 6.12 it offers through its security
# archive or bookworm-backports), each booted under QEMU, and one table of
# what passed, failed, hung and skipped (with the reason each skip printed).
#
# What it does:
#   1. builds the test binaries of ring-sys, ring-core and benches and the
#      examples on the host (`cargo test --no-run --message-format=json`),
#      and again with every ring-core feature the test binaries whose tests
#      need them (KMATRIX_FEATURE_TARGETS);
#   2. runs them on the host's kernel directly;
#   3. for each Debian kernel: downloads its linux-image package with
#      `apt-get download` and unpacks it with `dpkg-deb -x` (nothing is
#      installed on the host), builds an initramfs from Debian's
#      busybox-static and the package's own virtio, 9p and ext4 modules,
#      and boots it under qemu-system-x86_64 with the host's root shared
#      read-only over virtio-9p, a fresh ext4 scratch disk as /tmp and
#      loopback up; the guest chroots into the host's root and runs the same
#      binaries with scripts/kernel-matrix/run-tests.sh;
#   4. prints the table (scripts/kernel-matrix/table.sh), also written to
#      $KMATRIX_DIR/table.md; every binary's full output is kept under
#      $KMATRIX_DIR/results/KERNEL/logs/.
#
# Usage: scripts/kernel-matrix.sh [host] [6.1] [6.12]   (default: all three)
#
# Environment:
#   KMATRIX_DIR       work directory (default target/kernel-matrix)
#   KMATRIX_KVM=1     boot with KVM instead of TCG. TCG (multi-threaded) is
#                     the default because on nested hosts the Debian kernels
#                     can hang in early boot under KVM.
#   KMATRIX_MEM       guest memory (default 4G)
#   KMATRIX_CPUS      guest vCPUs (default 2)
#   KMATRIX_DEADLINE  seconds one run of one test binary may take (default:
#                     300 on the host, 240 in a guest)
#   KMATRIX_VM_TIMEOUT  seconds one guest may run in all (default 7200)
#   KMATRIX_PKG_6_1, KMATRIX_PKG_6_12  the linux-image packages to use
#                     (default: what linux-image-amd64 and
#                     linux-image-6.12-amd64 depend on)
#   KMATRIX_NO_BUILD=1  reuse the binary list of the previous run
#   KMATRIX_FEATURE_TARGETS  the ring-core targets (KIND:NAME, KIND test
#                     or example) built and run with --all-features instead
#                     of the default features (default "test:io test:runtime
#                     example:tokio_bridge"; labelled
#                     ring-core+all-features/KIND:NAME); empty for none
#   KMATRIX_ONLY      an extended regular expression: run only the programs
#                     whose label (for example ring-core/test:raw)
#                     matches it
#
# Needs: apt-get and dpkg-deb (Debian), root for installing
# qemu-system-x86 and e2fsprogs when they are missing. Budget: the build
# (about 2 minutes cold), the host's run (seconds), and for each guest 4 to
# 5 minutes under TCG on 2 cores, boot included; a hang adds its binary's
# deadline. docs/kernel-matrix.md has the last measured run.
set -euo pipefail
# Bash reads a script as it runs it; the whole body is one function, read
# before anything runs, so that editing this file during a run (it takes a
# while) cannot change the run.
main() {
cd "$(dirname "$0")/.."
say() { printf '\n==== %s ====\n' "$*"; }
die() { echo "kernel-matrix: $*" >&2; exit 1; }
root=$PWD
here=$root/scripts/kernel-matrix
dir=${KMATRIX_DIR:-$root/target/kernel-matrix}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# The guest mounts its scratch disk over /tmp, so nothing it must reach
# (the work directory, the workspace's binaries) may live there.
case $dir/ in /tmp/*) die "KMATRIX_DIR must not be under /tmp (the guest's /tmp is its scratch disk)" ;; esac
case $root/ in /tmp/*) die "the workspace must not be under /tmp (the guest's /tmp is its scratch disk)" ;; esac

kernels=("$@")
if [[ ${#kernels[@]} == 0 ]]; then kernels=(host 6.1 6.12); fi

# ---------------------------------------------------------------- build
binlist=$dir/binaries.tsv
if [[ -z ${KMATRIX_NO_BUILD:-} || ! -s $binlist ]]; then
  say "building the test binaries"
  cargo test --no-run --locked --message-format=json -p ring-sys -p ring-core -p benches \
    >"$dir/build.json"
  # The test binaries whose code depends on ring-core's optional features
  # (io's ecosystem-trait modules, runtime's tokio drive of an external
  # loop, the tokio example), built again with every feature on; the
  # default-feature binary of the same target, if any, is replaced by this
  # one (it holds a subset of the tests, or none).
  feature_targets=(${KMATRIX_FEATURE_TARGETS-test:io test:runtime example:tokio_bridge})
  : >"$dir/build-features.json"
  if [[ ${#feature_targets[@]} -gt 0 ]]; then
    say "building ${feature_targets[*]} with every ring-core feature"
    local_args=()
    for t in "${feature_targets[@]}"; do local_args+=("--${t%%:*}" "${t#*:}"); done
    cargo test --no-run --locked --message-format=json -p ring-core --all-features "${local_args[@]}" \
      >"$dir/build-features.json"
  fi
  : >"$binlist.tmp"
  rm -rf "$dir/bin"
  mkdir -p "$dir/bin"
  # One artifact per line; keeps the test harness binaries and the tour.
  # $2 is appended to the package in the label; $3 is "skip" to leave out
  # the feature targets, "only" to keep nothing else.
  collect() {
    local line exe kind name is_test manifest pkgdir pkg label snap listed t
    while IFS= read -r line; do
      exe=$(sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' <<<"$line")
      [[ -n $exe ]] || continue
      kind=$(sed -n 's/.*"target":{"kind":\["\([^"]*\)".*/\1/p' <<<"$line")
      name=$(sed -n 's/.*"target":{[^}]*"name":"\([^"]*\)".*/\1/p' <<<"$line")
      is_test=$(sed -n 's/.*"profile":{[^}]*"test":\([a-z]*\).*/\1/p' <<<"$line")
      manifest=$(sed -n 's/.*"manifest_path":"\([^"]*\)".*/\1/p' <<<"$line")
      pkgdir=$(dirname "$manifest")
      pkg=$(basename "$pkgdir")
      listed=no
      if [[ $pkg == ring-core ]]; then
        for t in "${feature_targets[@]}"; do [[ $t == "$kind:$name" ]] && listed=yes; done
      fi
      if [[ $3 == skip && $listed == yes ]] || [[ $3 == only && $listed == no ]]; then continue; fi
      pkg=$pkg$2
      if [[ $is_test == true ]]; then
        if [[ $kind == lib ]]; then label="$pkg/lib"; else label="$pkg/$kind:$name"; fi
      elif [[ $kind == example && $name == tour && -z $2 ]]; then
        label="example:tour"
      else
        continue
      fi
      # A snapshot (a hard link where the file system allows, else a copy),
      # so that building again while a guest runs does not change what it runs.
      snap=$dir/bin/$(basename "$exe")
      ln -f "$exe" "$snap" 2>/dev/null || cp -f "$exe" "$snap"
      printf '%s\t%s\t%s\n' "$label" "$pkgdir" "$snap" >>"$binlist.tmp"
    done < <(grep '"reason":"compiler-artifact"' "$1")
  }
  collect "$dir/build.json" "" skip
  if [[ ${#feature_targets[@]} -gt 0 ]]; then
    collect "$dir/build-features.json" "+all-features" only
  fi
  # The tour last, the rest by label.
  { grep -v '^example:tour' "$binlist.tmp" | sort; grep '^example:tour' "$binlist.tmp"; } >"$binlist"
  rm -f "$binlist.tmp"
  grep -q '^example:tour' "$binlist" || die "the tour example was not built"
fi
if [[ -n ${KMATRIX_ONLY:-} ]]; then
  grep -E "^[^[:space:]]*(${KMATRIX_ONLY})" "$binlist" >"$dir/binaries-only.tsv" ||
    die "KMATRIX_ONLY='$KMATRIX_ONLY' matches no program"
  binlist=$dir/binaries-only.tsv
fi
echo "$(wc -l <"$binlist") programs: $(cut -f1 "$binlist" | tr '\n' ' ')"

# ---------------------------------------------------------------- packages
# Which Debian package holds each kernel: what the meta-package depends on.
pkg_for() {
  local var meta
  case $1 in
    6.1) var=${KMATRIX_PKG_6_1:-} meta=linux-image-amd64 ;;
    6.12) var=${KMATRIX_PKG_6_12:-} meta=linux-image-6.12-amd64 ;;
    *) die "unknown kernel '$1' (known: host 6.1 6.12)" ;;
  esac
  if [[ -n $var ]]; then echo "$var"; return; fi
  # apt-cache exits non-zero for a package its lists do not know; that is
  # an empty answer here (the caller then tries the private lists), not a
  # failure of the script, so pipefail must not see it.
  { apt-cache "${apt_opts[@]}" depends "$meta" 2>/dev/null || true; } |
    sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -1
}

# The host's own package lists first. If they do not know the 6.12 kernel
# (a system without the security archive), a private apt configuration that
# adds bookworm-backports is used for the look-up and the download alone:
# the host's sources and package state are not changed.
apt_opts=()
use_private_apt() {
  local a=$dir/apt
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
  cat >"$a/sources.list" <<'EOF'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
EOF
  apt_opts=(-o "Dir::Etc::SourceList=$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache")
  apt-get "${apt_opts[@]}" update -qq
}

# Downloads (once) and unpacks a package; prints the directory.
fetch_deb() {
  local pkg=$1 debs=$dir/debs x=$dir/unpacked/$1
  mkdir -p "$debs"
  if [[ ! -d $x ]]; then
    local deb
    deb=$(ls "$debs/${pkg}"_*.deb 2>/dev/null | head -1 || true)
    if [[ -z $deb ]]; then
      (cd "$debs" && apt-get "${apt_opts[@]}" download "$pkg" >&2) || die "cannot download $pkg"
      deb=$(ls "$debs/${pkg}"_*.deb | head -1)
    fi
    mkdir -p "$x.tmp"
    dpkg-deb -x "$deb" "$x.tmp"
    mv "$x.tmp" "$x"
  fi
  echo "$x"
}

need_host_tools() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
  command -v xz >/dev/null || missing+=(xz-utils)
  command -v dpkg-deb >/dev/null || die "dpkg-deb is needed (a Debian system)"
  if [[ ${#missing[@]} -gt 0 ]]; then
    say "installing ${missing[*]}"
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# ---------------------------------------------------------------- initramfs
# The modules the guest needs, each after what it depends on. A module the
# kernel has built in is skipped; the depends= field of each module's
# .modinfo section names its dependencies (no depmod needed).
modules_in_order() {
  local moddir=$1
  shift
  declare -gA seen=()
  order=()
  local m
  for m in "$@"; do visit "$moddir" "$m"; done
}
modfile() { find "$1" \( -name "$2.ko" -o -name "$2.ko.xz" -o -name "$2.ko.zst" \
  -o -name "${2//_/-}.ko" -o -name "${2//_/-}.ko.xz" -o -name "${2//_/-}.ko.zst" \) | head -1; }
modcat() {
  case $1 in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -dcq "$1" ;;
    *) cat "$1" ;;
  esac
}
visit() {
  local moddir=$1 m=$2 f deps d
  [[ -n ${seen[$m]:-} ]] && return
  seen[$m]=1
  f=$(modfile "$moddir" "$m")
  if [[ -z $f ]]; then
    grep -q "/${m}\.ko$" "$moddir/modules.builtin" 2>/dev/null ||
      grep -q "/${m//_/-}\.ko$" "$moddir/modules.builtin" 2>/dev/null ||
      echo "kernel-matrix: warning: module $m is neither a file nor built in" >&2
    return
  fi
  deps=$(modcat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -1)
  for d in ${deps//,/ }; do visit "$moddir" "$d"; done
  order+=("$f")
}

build_initramfs() {
  local kx=$1 kver=$2 busybox=$3 out=$4 stage m name
  stage=$(mktemp -d)
  mkdir -p "$stage"/{bin,dev,proc,sys,tmp,modules}
  cp "$busybox" "$stage/bin/busybox"
  cp "$here/init" "$stage/init"
  chmod 755 "$stage/init" "$stage/bin/busybox"
  modules_in_order "$kx/lib/modules/$kver" \
    virtio_pci virtio_blk crc32c_generic ext4 9pnet_virtio 9p
  : >"$stage/modules/order"
  for m in "${order[@]}"; do
    name=$(basename "$m")
    name=${name%.xz}
    name=${name%.zst}
    modcat "$m" >"$stage/modules/$name"
    echo "$name" >>"$stage/modules/order"
  done
  echo "initramfs modules: $(tr '\n' ' ' <"$stage/modules/order")"
  (cd "$stage" && find . | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -1 >"$out"
  rm -rf "$stage"
}

# ---------------------------------------------------------------- guests
run_guest() {
  local k=$1 pkg kx kver vmlinuz res initrd accel
  pkg=$(pkg_for "$k")
  if [[ -z $pkg && ${#apt_opts[@]} == 0 ]]; then
    use_private_apt
    pkg=$(pkg_for "$k")
  fi
  [[ -n $pkg ]] || die "no Debian package found for kernel $k"
  say "kernel $k: $pkg"
  kx=$(fetch_deb "$pkg")
  vmlinuz=$(ls "$kx"/boot/vmlinuz-* | head -1)
  kver=${vmlinuz##*/vmlinuz-}
  local bb
  bb=$(fetch_deb busybox-static)/bin/busybox
  [[ -x $bb ]] || die "busybox-static has no /bin/busybox"
  initrd=$dir/initrd-$kver.cpio.gz
  build_initramfs "$kx" "$kver" "$bb" "$initrd"

  res=$dir/results/$k
  rm -rf "$res"
  mkdir -p "$res"
  # Tests put scratch files under cargo's CARGO_TARGET_TMPDIR (target/tmp),
  # which the guest sees read-only: the job mounts a directory of the
  # scratch disk there first.
  local target_tmp
  target_tmp=$(cargo metadata --format-version 1 --no-deps --locked |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/tmp
  cat >"$res/job.sh" <<EOF
#!/bin/bash
if [ -d "$target_tmp" ]; then
  mkdir -p /tmp/cargo-target-tmp && mount --bind /tmp/cargo-target-tmp "$target_tmp"
fi
export KMATRIX_DEADLINE=${KMATRIX_DEADLINE:-240}
${KMATRIX_THREADS:+export KMATRIX_THREADS=$KMATRIX_THREADS}
exec /bin/bash "$here/run-tests.sh" "$res" "$binlist"
EOF
  # A fresh, sparse scratch disk for the guest's /tmp.
  rm -f "$dir/scratch.img"
  truncate -s 8G "$dir/scratch.img"
  mkfs.ext4 -q -F "$dir/scratch.img"

  if [[ -n ${KMATRIX_KVM:-} ]]; then
    accel=(-accel kvm -cpu host)
  else
    accel=(-accel tcg,thread=multi -cpu max)
  fi
  echo "booting $kver under QEMU (${accel[1]}), console in $res/console.log"
  local start rc=0
  start=$(date +%s)
  timeout -k 30 "${KMATRIX_VM_TIMEOUT:-7200}" qemu-system-x86_64 "${accel[@]}" \
    -m "${KMATRIX_MEM:-4G}" -smp "${KMATRIX_CPUS:-2}" \
    -nographic -no-reboot -nic none \
    -kernel "$vmlinuz" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 loglevel=4 kmout=$res" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$res,mount_tag=results,security_model=none" \
    -drive "file=$dir/scratch.img,format=raw,if=virtio,cache=unsafe" \
    </dev/null >"$res/console.log" 2>&1 || rc=$?
  echo "guest $k finished after $(($(date +%s) - start))s (qemu status $rc)"
  rm -f "$dir/scratch.img"
  if [[ ! -e $res/done ]]; then
    echo "kernel-matrix: the run on $k did not finish; the end of its console:" >&2
    tail -n 30 "$res/console.log" >&2
  fi
}

for k in "${kernels[@]}"; do
  case $k in
    host)
      say "host kernel $(uname -r)"
      rm -rf "$dir/results/host"
      mkdir -p "$dir/results/host"
      KMATRIX_DEADLINE=${KMATRIX_DEADLINE:-300} \
        bash "$here/run-tests.sh" "$dir/results/host" "$binlist"
      ;;
    6.1 | 6.12)
      need_host_tools
      run_guest "$k"
      ;;
    *) die "unknown kernel '$k' (known: host 6.1 6.12)" ;;
  esac
done

say "the matrix"
dirs=()
for k in host 6.1 6.12; do
  if [[ -d $dir/results/$k ]]; then dirs+=("$dir/results/$k"); fi
done
bash "$here/table.sh" "${dirs[@]}" | tee "$dir/table.md"
}
# On one line: bash must not read past it, the file may have changed.
main "$@"; exit $?
