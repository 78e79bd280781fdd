# moescope_kernels_reference (ATen, CPU or CUDA): the plain reference of every kernel, each beside
# its kernel (<kernel>/<kernel>_reference.cpp). The kernels' tests check against it, and the
# trainer's router and dispatch are its router and permutation, so it builds wherever LibTorch is,
# with or without the CUDA kernels. Included by training/ (configured first) and by kernels/,
# whichever comes first defines it; LibTorch must have been found by the includer.
include_guard(GLOBAL)

add_library(moescope_kernels_reference STATIC
  ${CMAKE_CURRENT_LIST_DIR}/binding/moe_layer_reference.cpp
  ${CMAKE_CURRENT_LIST_DIR}/grouped_gemm/grouped_gemm_reference.cpp
  ${CMAKE_CURRENT_LIST_DIR}/permute/permute_reference.cpp
  ${CMAKE_CURRENT_LIST_DIR}/router/router_reference.cpp
)
target_include_directories(moescope_kernels_reference PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(moescope_kernels_reference PUBLIC ${TORCH_LIBRARIES})
moescope_warnings(moescope_kernels_reference)
