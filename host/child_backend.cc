#include "host/child_backend.h"

namespace watchfilter::host {

const char* to_string(CallOutcome::Status status) {
  switch (status) {
    case CallOutcome::Status::kDone:
      return "done";
    case CallOutcome::Status::kRequeue:
      return "requeue";
    case CallOutcome::Status::kFailed:
      return "failed";
    case CallOutcome::Status::kTrapped:
      return "trapped";
    case CallOutcome::Status::kTimedOut:
      return "timed out";
    case CallOutcome::Status::kMemoryLimit:
      return "memory limit";
  }
  return "?";
}

}  // namespace watchfilter::host
