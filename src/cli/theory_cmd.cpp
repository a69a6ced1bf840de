// placeholder: being written
#include <cstddef>
