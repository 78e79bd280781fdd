# The desktop package: `cpack -G DEB` in the build folder (or `cmake --build build --target
# package`) writes moescope_<version>_<arch>.deb; packaging/check-deb.sh installs and checks it.
# Included last from the top-level CMakeLists.txt, once every part has said which binaries it
# builds. The binaries install themselves (install() beside each executable); this file adds what
# a desktop install needs around them and the package's metadata.
include(GNUInstallDirs)

# Every MoEScope library is static, and every shared library the binaries need is the system's
# (Qt, VTK, LibTorch, Ceres, SQLite), in the multiarch folder ld.so searches: the installed
# binaries need no RUNPATH, and CMake's default, dropping the build tree's at install, is right
# (the explorer's build RUNPATH, Open MPI's folder, is not needed: the libmpi that VTK links is
# in the multiarch folder too).
# packaging/check-deb.sh checks with ldd that the installed binaries find every library.

# The data sets and laws the binaries carry inside them (app/CMakeLists.txt, core/CMakeLists.txt),
# as files too: the README and the man page point to them, and a law file is edited from an example.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/datasets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/moescope/datasets)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/laws/ DESTINATION ${CMAKE_INSTALL_DATADIR}/moescope/laws)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/moescope)

if(TARGET moescope-explorer)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/desktop/moescope-explorer.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/moescope.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
endif()

# A man page per binary, from its own help (packaging/make-man-page.sh), compressed as Debian
# policy asks; -n keeps the name and time out, so the bytes repeat.
set(MOESCOPE_PACKAGED_TARGETS "")
foreach(target moescope moescope-explorer moescope-train)
  if(TARGET ${target})
    list(APPEND MOESCOPE_PACKAGED_TARGETS ${target})
  endif()
endforeach()
find_program(MOESCOPE_GZIP gzip REQUIRED)
foreach(target ${MOESCOPE_PACKAGED_TARGETS})
  set(man_page ${PROJECT_BINARY_DIR}/man/${target}.1)
  set(man_page_helps ${target})
  # moescope(1) holds the explorer's help too (moescope explore --help): rebuilt when it changes.
  if(target STREQUAL "moescope" AND TARGET moescope-explorer)
    list(APPEND man_page_helps moescope-explorer)
  endif()
  add_custom_command(
    OUTPUT ${man_page}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    # The explorer's help needs no display.
    COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
            ${PROJECT_SOURCE_DIR}/packaging/make-man-page.sh $<TARGET_FILE:${target}> ${man_page}
    COMMAND ${MOESCOPE_GZIP} -9nf ${man_page}
    DEPENDS ${man_page_helps} ${PROJECT_SOURCE_DIR}/packaging/make-man-page.sh
    COMMENT "Writing the man page ${target}(1) from ${target} --help"
    VERBATIM)
  string(REPLACE "-" "_" page_target "${target}_man_page")
  add_custom_target(${page_target} ALL DEPENDS ${man_page}.gz)
  install(FILES ${man_page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  list(APPEND MOESCOPE_PACKAGED_TARGETS ${page_target})
endforeach()
# What the package holds, and nothing else (no tests, benchmarks or demos): what
# packaging/check-deb.sh builds before cpack.
add_custom_target(moescope_package_contents DEPENDS ${MOESCOPE_PACKAGED_TARGETS})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME moescope)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(MOESCOPE_PACKAGE_MAINTAINER "MoEScope maintainers <maintainers@moescope.invalid>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT ${MOESCOPE_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "plan Mixture-of-Experts pretraining from scaling laws")
set(CPACK_PACKAGE_DESCRIPTION
    "MoEScope fits scaling laws with sparsity (Abnar et al., Eq. 6), IsoFLOP surfaces and \
curves to training runs, and reads off the compute-optimal sparsity, model size and tokens at a \
budget. It ships the command line moescope, the desktop explorer moescope-explorer (3-D IsoFLOP \
surfaces, the paper's figures, sliders; Qt 6 and VTK) and the trainer moescope-train (LibTorch), \
which plans, launches and follows the training runs that fill a grid, locally, over SSH or on \
Slurm.")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the binaries' shared libraries (dpkg-shlibdeps, of dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# ... and the font the paper style typesets and embeds exported figures in, read from its file.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core")
# What the binaries run or read without linking it: the trainer's built-in corpus (training/
# README.md), Mesa's OpenGL drivers for the explorer's 3-D view, a virtual display and ssh.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bible-kjv, bible-kjv-text, dict-gcide, libgl1-mesa-dri")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "openssh-client, xvfb, xauth")
# moescope_<version>_<arch>.deb, the architecture from dpkg --print-architecture.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
include(CPack)
