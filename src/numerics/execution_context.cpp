// ExecutionContext (execution_context.hpp): the one place that resolves "0 threads".
#include "synctur/numerics/execution_context.hpp"

#include <omp.h>

namespace synctur {

int ExecutionContext::thread_count() const {
  return threads > 0 ? threads : omp_get_max_threads();
}

}  // namespace synctur
