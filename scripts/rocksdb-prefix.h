// Precompiled once per RocksDB build by scripts/cxx and loaded by each of librocksdb-sys's 343
// compiles in place of the `-include cstdint` its build script passes: the standard library and
// RocksDB's public headers, which nearly every RocksDB source includes. Only headers that define
// nothing with static storage belong here, so that every object file keeps the same symbols as
// without it (scripts/cxx says how that was checked). RocksDB's internal headers do not qualify:
// db/dbformat.h alone adds a global with a static initialiser to every object.
#include <cstdint>

#include <algorithm>
#include <any>
#include <array>
#include <atomic>
#include <bit>
#include <cassert>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/options.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "port/port.h"
