# A part (app, training, kernels) is a subdirectory that finds its own dependencies and returns
# early with a "switched off" message when they are missing. Parts whose code has not landed yet
# have no CMakeLists.txt; saying so keeps the configure log honest about what was built.
function(moescope_add_part dir option)
  if(NOT ${option})
    message(STATUS "MoEScope: ${dir}/ switched off (${option}=OFF)")
  elseif(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt)
    message(STATUS "MoEScope: ${dir}/ has no sources in this checkout yet; nothing to build")
  else()
    add_subdirectory(${dir})
  endif()
endfunction()

# Reports a part switched off for a missing dependency, naming the Debian packages that provide it.
function(moescope_part_off part why packages)
  message(STATUS "MoEScope: ${part} switched off: ${why} (Debian: apt install ${packages})")
endfunction()
