/*
** sc_main.cpp: libsystemc.so's own main() calls sc_main, so every program
** that links libsystemc must define it, whether or not it pulls in the
** cycle engine's object (a sweep or a fuzz target may not, and a linker
** that keeps unused shared libraries, clang's default, then fails on the
** undefined sc_main).  attnsim has its own main and runs the kernel from
** sim_cycle(), so this is never called, only linked: CMake adds this file
** to every executable that links attnsim_sim (an INTERFACE source).
*/
extern "C" int sc_main(int, char **);   /* as <systemc> declares it */
int sc_main(int, char **) { return 0; }
